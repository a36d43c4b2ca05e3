import { createConnection } from 'node:net'
import { connect, MqttClient, type IClientOptions } from 'mqtt'
import { isLoopbackHost } from '../core/loopback.ts'
import type { ReferenceDut } from './device.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import { ImageReceiver } from './receiver.ts'

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
 * `reconnectMs` for as long as the device runs.
 */
export interface MqttFrontEndOptions {
  /** `mqtt://` or `ws://` on a loopback host. */
  brokerUrl: string
  /** Default `ts701-<hardwareId>`. */
  clientId?: string
  /** Default `ts701/<hardwareId>`. */
  topicRoot?: string
  /** Real milliseconds the first connection may take before `start` fails; default 10 s. */
  connectTimeoutMs?: number
  /** Real milliseconds between reconnection attempts; default 500. */
  reconnectMs?: number
}

export interface MqttTopics {
  root: string
  availability: string
  state: string
  updateEvents: string
  notificationEvents: string
  cmd(name: string): string
  reply(name: string): string
  /** The chunk topic with `{{chunk.index}}` where the index goes (a DUT-profile template). */
  chunkTemplate: string
}

export function mqttTopics(root: string): MqttTopics {
  return {
    root,
    availability: `${root}/availability`,
    state: `${root}/state`,
    updateEvents: `${root}/events/update`,
    notificationEvents: `${root}/events/notification`,
    cmd: (name) => `${root}/cmd/${name}`,
    reply: (name) => `${root}/reply/${name}`,
    chunkTemplate: `${root}/cmd/update/chunk/{{chunk.index}}`,
  }
}

export function defaultTopicRoot(hardwareId: string): string {
  return `ts701/${hardwareId}`
}

type Body = Record<string, unknown>
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
/** A restart waits this long for commands in progress to send their replies. */
const DRAIN_MS = 5000
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export class MqttFrontEnd {
  readonly topics: MqttTopics
  readonly clientId: string
  private client: MqttClient | undefined
  /** Connect and disconnect, one after the other. */
  private transitions: Promise<void> = Promise.resolve()
  /** The device has announced itself on the current connection and takes commands. */
  private ready = false
  private connectedOnce: { promise: Promise<void>; resolve: () => void }
  private lastError: unknown
  private readonly inflight = new Set<Promise<void>>()
  /** Commands that arrived while the device was going down: answered after the boot. */
  private deferred: Array<{ topic: string; payload: Buffer }> = []
  private readonly seen = new Set<string>()
  private transfer: Transfer | undefined
  /** Transfer messages in the order they came. */
  private transferChain: Promise<void> = Promise.resolve()
  private readonly unsubscribe: Array<() => void> = []
  private readonly handlers: Map<string, Handler>
  private lostLogged = false
  private lastEvent = ''
  private closed = false

  constructor(
    private readonly device: ReferenceDut,
    private readonly options: MqttFrontEndOptions,
  ) {
    let url: URL
    try {
      url = new URL(options.brokerUrl)
    } catch {
      throw new SimError('E_SIM_CONFIG', `"${options.brokerUrl}" is not a broker URL (expected mqtt://127.0.0.1:1883)`)
    }
    if (url.protocol !== 'mqtt:' && url.protocol !== 'ws:')
      throw new SimError('E_SIM_CONFIG', `the broker URL must be mqtt:// or ws://, got ${url.protocol}//`)
    if (!isLoopbackHost(url.hostname))
      throw new SimError('E_SIM_NOT_LOOPBACK', `broker ${url.host} is not a loopback address; the simulator only connects to this machine`)
    this.topics = mqttTopics(options.topicRoot ?? defaultTopicRoot(device.hardwareId))
    this.clientId = options.clientId ?? `ts701-${device.hardwareId}`
    this.handlers = this.table()
    let resolve!: () => void
    this.connectedOnce = { promise: new Promise<void>((r) => (resolve = r)), resolve }
  }

  get brokerUrl(): string {
    return this.options.brokerUrl
  }

  get connected(): boolean {
    return this.client?.connected === true
  }

  /** Follows the device's power cycles; resolves once connected (fails after `connectTimeoutMs`). */
  async start(): Promise<void> {
    const d = this.device
    this.unsubscribe.push(
      d.signals.power.on((e) => {
        if (e.up) this.transition(() => this.open())
        else this.transition(() => this.shut(e.reason))
      }),
      d.signals.status.on((view) => {
        // Only what changed: a check re-announcing "checking" is no news.
        const { lastCheck: _check, ...shown } = view
        const key = JSON.stringify(shown)
        if (key === this.lastEvent) return
        this.lastEvent = key
        this.send(this.topics.updateEvents, view)
      }),
      d.signals.settings.on(() => this.send(this.topics.state, this.state(), true)),
      d.signals.notification.on((n) => this.send(this.topics.notificationEvents, n)),
    )
    if (d.isUp) this.transition(() => this.open())
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const first = await Promise.race([this.connectedOnce.promise.then(() => 'connected' as const), timedOut])
    clearTimeout(timer)
    if (first === 'timeout') {
      const why = this.lastError ? errorMessage(this.lastError) : 'no answer'
      await this.close()
      throw new SimError('E_SIM_CONFIG', `cannot reach the MQTT broker at ${this.options.brokerUrl} within ${timeoutMs} ms (${why})`)
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const off of this.unsubscribe.splice(0)) off()
    this.transition(() => this.shut('front end closed'))
    await this.transitions
  }

  private transition(step: () => Promise<void>): void {
    this.transitions = this.transitions
      .then(step)
      .catch((err: unknown) => this.device.log.add('mqtt', `connection step failed: ${errorMessage(err)}`))
  }

  // --- connection ---------------------------------------------------------------------------------

  private async open(): Promise<void> {
    if (this.client || this.closed || !this.device.isUp) return
    this.ready = false
    const options: IClientOptions = {
      clientId: this.clientId,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: this.options.reconnectMs ?? 500,
      connectTimeout: 10_000,
      resubscribe: false,
      will: { topic: this.topics.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
    }
    const client = dial(this.options.brokerUrl, options)
    this.client = client
    client.on('connect', (connack) => {
      this.lostLogged = false
      void this.announce(client, connack.sessionPresent)
    })
    client.on('message', (topic, payload) => this.receive(topic, payload))
    client.on('error', (err) => {
      this.lastError = err
    })
    client.on('offline', () => {
      if (this.client !== client || this.lostLogged) return
      this.lostLogged = true
      this.device.log.add(
        'mqtt',
        `lost the connection to the broker at ${this.options.brokerUrl}; reconnecting every ${options.reconnectPeriod} ms`,
      )
    })
  }

  /** After every CONNACK: subscribe (the broker may have forgotten the session), then say who we are. */
  private async announce(client: MqttClient, sessionPresent: boolean): Promise<void> {
    try {
      await client.subscribeAsync(`${this.topics.root}/cmd/#`, { qos: 1 })
      await client.publishAsync(this.topics.availability, 'online', { qos: 1, retain: true })
      await client.publishAsync(this.topics.state, JSON.stringify(this.state()), { qos: 1, retain: true })
      await client.publishAsync(this.topics.updateEvents, JSON.stringify(this.device.statusView()), { qos: 1 })
    } catch (err) {
      this.lastError = err
      this.device.log.add('mqtt', `announcing on the broker failed: ${errorMessage(err)}`)
      return
    }
    if (this.client !== client) return
    this.device.log.add('mqtt', `connected to ${this.options.brokerUrl} as ${this.clientId}`, {
      topics: `${this.topics.root}/#`,
      sessionPresent,
    })
    this.ready = true
    this.connectedOnce.resolve()
    const deferred = this.deferred.splice(0)
    for (const m of deferred) this.receive(m.topic, m.payload)
  }

  /** Power-down: replies in progress go out, availability says offline, the connection ends. */
  private async shut(reason: string): Promise<void> {
    const client = this.client
    if (!client) return
    this.ready = false
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(DRAIN_MS)])
    await this.dropTransfer(`restart (${reason})`)
    this.client = undefined
    if (client.connected) {
      await withTimeout(client.publishAsync(this.topics.availability, 'offline', { qos: 1, retain: true }), 2000).catch(() => {})
    }
    const ended = await withTimeout(client.endAsync(), 2000).then(
      () => true,
      () => false,
    )
    if (!ended) client.end(true)
    this.device.log.add('mqtt', `disconnected from the broker (${reason})`)
  }

  // --- messages -----------------------------------------------------------------------------------

  private receive(topic: string, payload: Buffer): void {
    const prefix = `${this.topics.root}/cmd/`
    if (!topic.startsWith(prefix)) return
    if (!this.ready || !this.device.isUp) {
      // Still announcing itself, or going down: the command waits, as it would at the broker.
      if (this.deferred.length < DEFERRED_LIMIT) this.deferred.push({ topic, payload })
      return
    }
    const name = topic.slice(prefix.length)
    let task: Promise<void>
    if (name.startsWith('update/chunk/')) {
      task = this.inTransfer(() => this.chunk(name.slice('update/chunk/'.length), payload))
    } else if (name === 'update/begin' || name === 'update/end' || name === 'update/abort') {
      task = this.inTransfer(() => this.command(name, payload))
    } else {
      task = this.command(name, payload)
    }
    const tracked = task.catch((err: unknown) => this.device.log.add('mqtt', `internal error on ${name}: ${errorMessage(err)}`))
    this.inflight.add(tracked)
    void tracked.finally(() => this.inflight.delete(tracked))
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
    const client = this.client
    if (!client) return
    const message = JSON.stringify({ ...(requestId !== undefined ? { requestId } : {}), ...answer })
    await client.publishAsync(this.topics.reply(name), message, { qos: 1 }).catch((err: unknown) => {
      this.device.log.add('mqtt', `reply on ${name} not sent: ${errorMessage(err)}`)
    })
  }

  /** Fire and forget: state and events go out when connected (the state again on every connect). */
  private send(topic: string, value: unknown, retain = false): void {
    const client = this.client
    if (!client?.connected) return
    client.publishAsync(topic, JSON.stringify(value), { qos: 1, retain }).catch(() => {})
  }

  private state(): Body {
    const d = this.device
    return { ...d.info(), settings: d.settings.view(), time: d.clock.now().toISOString() }
  }

  private table(): Map<string, Handler> {
    const d = this.device
    const via = 'mqtt'
    const settingsOf = (body: Body) => {
      const { requestId: _id, ...changes } = body
      return changes
    }
    const restart =
      (action: () => Promise<void> | void, extra: () => Body = () => ({})): Handler =>
      async () => {
        await action()
        return { restarting: true, ...extra() }
      }
    return new Map<string, Handler>([
      ['identify', () => ({ ...d.info() })],
      ['settings/get', () => ({ ...d.settings.view() })],
      ['settings/set', (body) => ({ ...d.changeSettings(settingsOf(body), via) })],
      ['update/postpone', (body) => ({ ...d.postponeUpdates(body.days, via) })],
      ['notifications/postpone', (body) => ({ ...d.postponeNotifications(body.days, via) })],
      ['notifications/list', () => ({ notifications: d.notifications.list() })],
      ['update/check', () => ({ ...d.checkNow() })],
      [
        'update/status',
        (_body, requestId) => {
          const view = d.statusView()
          this.send(this.topics.updateEvents, { ...view, ...(requestId !== undefined ? { requestId } : {}) })
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

/**
 * mqtt.js, but with Nagle off on plain TCP: every exchange is a few small packets each way, and
 * Nagle with delayed ACKs would add 40 ms to each of them.
 */
export function dial(brokerUrl: string, options: IClientOptions): MqttClient {
  const url = new URL(brokerUrl)
  if (url.protocol !== 'mqtt:') return connect(brokerUrl, options)
  const port = Number(url.port || 1883)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new MqttClient(() => createConnection({ port, host, noDelay: true }), options)
}

function failure(name: string, err: unknown): Body {
  const code = errorCode(err)
  const error = errorMessage(err)
  const update = name.startsWith('update/')
  return { ok: false, code, error, message: error, ...(update ? { accepted: false } : {}) }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ])
}
