import type { MqttClient } from 'mqtt'
import type { ReferenceDut } from './device.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import { deviceTopics, MqttLink, OnBroker, type DeviceTopics, settingsCommands, type Body, type MqttLinkOptions } from './mqtt-link.ts'
import { ImageReceiver } from './receiver.ts'

export { defaultTopicRoot } from './mqtt-link.ts'

/**
 * The device's MQTT client: the reference DUT reachable through a broker, as many IoT devices are.
 * A thin front end like the HTTP API: every command calls the same device operation the API does.
 *
 * Topics, under `ts701/<hardwareId>` (the topic root):
 *
 * | topic | direction | payload |
 * |---|---|---|
 * | `…/availability` | device, retained | `online` / `offline` (also the last will) |
 * | `…/state` | device, retained | `{model, hardwareId, firmware: {version, counter}, settings, time}` |
 * | `…/events/update` | device | the update status `{state, version, detail?, attempt, time?, requestId?}` on every change |
 * | `…/events/notification` | device | each notification shown `{time, kind, text}` |
 * | `…/cmd/<name>` | lab | JSON with a `requestId` (string) and the command's fields |
 * | `…/reply/<name>` | device | `{requestId, ok: true, …}` or `{requestId, ok: false, code, error, message}` |
 * | `…/cmd/update/chunk/<index>` | lab | one piece of an image (raw bytes or base64 text) |
 *
 * Commands: `identify`, `settings/get`, `settings/set {autoUpdate?, notifications?}`,
 * `update/postpone {days}`, `notifications/postpone {days}`, `notifications/list`, `update/check`,
 * `update/status` (answered on its reply topic and re-published on `events/update`),
 * `update/install-pending`, `update/url {url, size?, sha256?}`, `update/begin {size, sha256,
 * encoding: base64|binary}` + chunks 0, 1, … + `update/end`, `update/abort`, `reboot`,
 * `factory-reset`, `service/restore-baseline`.
 *
 * The session is persistent (clean session off, QoS 1): commands sent while the device restarts
 * wait at the broker and are answered after the boot. A restart ends the connection (availability
 * `offline`) and the boot opens a new one; a broker that goes away is reconnected to every
 * `reconnectMs` for as long as the device runs (the connection itself is `MqttLink`'s).
 */
export type MqttFrontEndOptions = MqttLinkOptions

export interface MqttTopics extends DeviceTopics {
  updateEvents: string
  /** The chunk topic with `{{chunk.index}}` where the index goes (a DUT-profile template). */
  chunkTemplate: string
}

export function mqttTopics(root: string): MqttTopics {
  return {
    ...deviceTopics(root),
    updateEvents: `${root}/events/update`,
    chunkTemplate: `${root}/cmd/update/chunk/{{chunk.index}}`,
  }
}

type Handler = (body: Body, requestId: string | undefined) => Promise<Body> | Body

interface Transfer {
  requestId: string | undefined
  receiver: ImageReceiver
  encoding: 'base64' | 'binary'
  /** The chunk index expected next. */
  next: number
  failure?: SimError
}

const SEEN_LIMIT = 1000
const DEFERRED_LIMIT = 1000
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export class MqttFrontEnd extends OnBroker {
  readonly topics: MqttTopics
  protected readonly link: MqttLink
  private readonly seen = new Set<string>()
  private transfer: Transfer | undefined
  /** Transfer messages in the order they came. */
  private transferChain: Promise<void> = Promise.resolve()
  private readonly handlers: Map<string, Handler>
  private lastEvent = ''

  constructor(
    private readonly device: ReferenceDut,
    options: MqttFrontEndOptions,
  ) {
    super()
    this.link = new MqttLink(device, options, {
      closeReason: 'front end closed',
      subscriptions: () => `${this.topics.root}/cmd/#`,
      showSessionPresent: true,
      logLoss: true,
      deferLimit: DEFERRED_LIMIT,
      wants: (topic) => topic.startsWith(`${this.topics.root}/cmd/`),
      announce: (client) => this.announce(client),
      message: (topic, payload) => this.receive(topic, payload),
      goingDown: (reason) => this.dropTransfer(`restart (${reason})`),
    })
    this.topics = mqttTopics(this.link.root)
    this.handlers = this.table()
  }

  /** Follows the device's power cycles; resolves once connected (fails after `connectTimeoutMs`). */
  async start(): Promise<void> {
    this.link.own(
      this.device.signals.status.on((view) => {
        // Only what changed: a check re-announcing "checking" is no news.
        const { lastCheck: _check, ...shown } = view
        const key = JSON.stringify(shown)
        if (key === this.lastEvent) return
        this.lastEvent = key
        this.link.send(this.topics.updateEvents, view)
      }),
    )
    await this.link.start()
  }

  /** After the subscription and `online` on every CONNACK: the state, then the update status. */
  private async announce(client: MqttClient): Promise<void> {
    await this.link.publishState(client)
    await client.publishAsync(this.topics.updateEvents, JSON.stringify(this.device.statusView()), { qos: 1 })
  }

  // --- messages -----------------------------------------------------------------------------------

  /** A command, once the device has announced itself (earlier ones waited in the link). */
  private receive(topic: string, payload: Buffer): void {
    const name = topic.slice(`${this.topics.root}/cmd/`.length)
    let task: Promise<void>
    if (name.startsWith('update/chunk/')) {
      task = this.inTransfer(() => this.chunk(name.slice('update/chunk/'.length), payload))
    } else if (name === 'update/begin' || name === 'update/end' || name === 'update/abort') {
      task = this.inTransfer(() => this.command(name, payload))
    } else {
      task = this.command(name, payload)
    }
    void this.link.track(task, `internal error on ${name}`)
  }

  private inTransfer(step: () => Promise<void>): Promise<void> {
    const next = this.transferChain.then(step)
    this.transferChain = next.catch(() => {})
    return next
  }

  private async command(name: string, payload: Buffer): Promise<void> {
    let body: Body
    try {
      const parsed: unknown = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'))
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object')
      body = parsed as Body
    } catch {
      this.device.log.add('mqtt', `cmd/${name} → E_SIM_BAD_REQUEST (payload is not a JSON object)`)
      await this.reply(
        name,
        undefined,
        failure(name, new SimError('E_SIM_BAD_REQUEST', 'the payload must be a JSON object, e.g. {"requestId": "1"}')),
      )
      return
    }
    const requestId = typeof body.requestId === 'string' || typeof body.requestId === 'number' ? String(body.requestId) : undefined
    if (requestId !== undefined) {
      // A QoS 1 message can come twice; a command is carried out once. One requestId may run
      // through several commands (update/begin and update/end of one delivery).
      const key = `${name}\u0000${requestId}`
      if (this.seen.has(key)) return
      this.seen.add(key)
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!)
    }
    const handler = this.handlers.get(name)
    let answer: Body
    if (!handler) {
      answer = failure(
        name,
        new SimError('E_SIM_BAD_REQUEST', `unknown command ${name}; commands: ${[...this.handlers.keys()].join(', ')}`),
      )
    } else {
      try {
        answer = { ok: true, ...(await handler(body, requestId)) }
      } catch (err) {
        answer = failure(name, err)
      }
    }
    this.device.log.add('mqtt', `cmd/${name} → ${answer.ok ? 'ok' : String(answer.code)}`)
    await this.reply(name, requestId, answer)
  }

  private async reply(name: string, requestId: string | undefined, answer: Body): Promise<void> {
    const client = this.link.client
    if (!client) return
    const message = JSON.stringify({ ...(requestId !== undefined ? { requestId } : {}), ...answer })
    await client.publishAsync(this.topics.reply(name), message, { qos: 1 }).catch((err: unknown) => {
      this.device.log.add('mqtt', `reply on ${name} not sent: ${errorMessage(err)}`)
    })
  }

  private table(): Map<string, Handler> {
    const d = this.device
    const restart =
      (action: () => Promise<void> | void, extra: () => Body = () => ({})): Handler =>
      async () => {
        await action()
        return { restarting: true, ...extra() }
      }
    return new Map<string, Handler>([
      ['identify', () => ({ ...d.info() })],
      ...Object.entries(settingsCommands(d)),
      ['update/check', () => ({ ...d.checkNow() })],
      [
        'update/status',
        (_body, requestId) => {
          const view = d.statusView()
          this.link.send(this.topics.updateEvents, { ...view, ...(requestId !== undefined ? { requestId } : {}) })
          return { ...view }
        },
      ],
      ['update/install-pending', async () => ({ ...(await d.client.installPending()) })],
      [
        'update/url',
        async (body) => {
          if (typeof body.url !== 'string') throw new SimError('E_SIM_BAD_REQUEST', 'url missing')
          const size = body.size === undefined ? undefined : Number(body.size)
          const sha256 = typeof body.sha256 === 'string' ? body.sha256 : undefined
          return {
            ...(await d.installFromUrl(
              body.url,
              { ...(size !== undefined ? { size } : {}), ...(sha256 ? { sha256 } : {}) },
              'upload (mqtt, url)',
            )),
          }
        },
      ],
      ['update/begin', (body, requestId) => this.begin(body, requestId)],
      ['update/end', () => this.end()],
      [
        'update/abort',
        async () => {
          const had = this.transfer !== undefined
          await this.dropTransfer('aborted by the lab')
          return { aborted: had }
        },
      ],
      ['reboot', restart(() => d.reboot())],
      ['factory-reset', restart(() => d.factoryReset())],
      [
        'service/restore-baseline',
        restart(
          () => d.restoreBaseline(),
          () => ({ ...d.info().firmware }),
        ),
      ],
    ])
  }

  // --- image transfer in chunks -------------------------------------------------------------------

  private async begin(body: Body, requestId: string | undefined): Promise<Body> {
    const encoding = body.encoding ?? 'binary'
    if (encoding !== 'base64' && encoding !== 'binary') throw new SimError('E_SIM_BAD_REQUEST', 'encoding must be base64 or binary')
    const size = typeof body.size === 'string' ? Number(body.size) : body.size
    if (typeof size !== 'number') throw new SimError('E_SIM_BAD_REQUEST', 'size missing')
    if (typeof body.sha256 !== 'string') throw new SimError('E_SIM_BAD_REQUEST', 'sha256 missing')
    await this.dropTransfer('superseded by a new update/begin')
    const receiver = await ImageReceiver.open(this.device, { size, sha256: body.sha256 }, 'mqtt')
    this.transfer = { requestId, receiver, encoding, next: 0 }
    this.device.log.add('install', `receiving an image of ${size} bytes over MQTT (${encoding} chunks)`, { sha256: body.sha256 })
    return { ready: true, size, encoding, chunkTopic: this.topics.chunkTemplate.replace('{{chunk.index}}', '<index>') }
  }

  private async chunk(indexText: string, payload: Buffer): Promise<void> {
    const t = this.transfer
    if (!t) {
      await this.reply(
        'update/chunk',
        undefined,
        failure(
          'update/chunk',
          new SimError('E_SIM_TRANSFER', `chunk ${indexText} without a transfer in progress; send update/begin first`),
        ),
      )
      return
    }
    if (t.failure) return
    const index = /^\d+$/.test(indexText) ? Number(indexText) : NaN
    try {
      if (!Number.isSafeInteger(index)) throw new SimError('E_SIM_TRANSFER', `chunk index "${indexText}" is not a number`)
      if (index < t.next) return // a duplicate (QoS 1 redelivery)
      if (index > t.next) throw new SimError('E_SIM_TRANSFER', `chunk ${index} arrived where chunk ${t.next} was expected`)
      let data = payload
      if (t.encoding === 'base64') {
        const text = payload.toString('latin1').replace(/\s+/g, '')
        if (!BASE64.test(text) || text.length % 4 === 1) throw new SimError('E_SIM_TRANSFER', `chunk ${index} is not base64`)
        data = Buffer.from(text, 'base64')
      }
      await t.receiver.write(data)
      t.next += 1
    } catch (err) {
      t.failure = err instanceof SimError ? err : new SimError('E_SIM_TRANSFER', errorMessage(err))
      await t.receiver.abort()
      this.device.log.add('install', `MQTT transfer failed: ${t.failure.message}`, { code: t.failure.code })
      await this.reply('update/chunk', t.requestId, failure('update/chunk', t.failure))
    }
  }

  private async end(): Promise<Body> {
    const t = this.transfer
    this.transfer = undefined
    const d = this.device
    if (!t) throw new SimError('E_SIM_TRANSFER', 'no transfer in progress; send update/begin and the chunks first')
    const refuse = (err: SimError): Body => {
      d.status.settle('rejected', `${err.code}: ${err.message}`)
      return { accepted: false, code: err.code, reason: err.message, message: `The transfer failed: ${err.message}` }
    }
    if (t.failure) return refuse(t.failure)
    let received
    try {
      received = await t.receiver.finish()
    } catch (err) {
      d.log.add('install', `MQTT transfer failed: ${errorMessage(err)}`, { code: errorCode(err) })
      return refuse(err instanceof SimError ? err : new SimError('E_SIM_TRANSFER', errorMessage(err)))
    }
    d.log.add('install', `received ${received.bytes} bytes over MQTT in ${t.next} chunks`, { sha256: received.sha256 })
    return { ...(await d.installUpload(received.path, received.bootId, 'upload (mqtt)')) }
  }

  private async dropTransfer(why: string): Promise<void> {
    const t = this.transfer
    if (!t) return
    this.transfer = undefined
    await t.receiver.abort()
    this.device.log.add('install', `MQTT transfer dropped: ${why}`, { received: t.receiver.bytes })
  }
}

function failure(name: string, err: unknown): Body {
  const code = errorCode(err)
  const error = errorMessage(err)
  const update = name.startsWith('update/')
  return { ok: false, code, error, message: error, ...(update ? { accepted: false } : {}) }
}
