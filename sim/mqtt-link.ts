import { createConnection } from 'node:net'
import type { IClientOptions, MqttClient } from 'mqtt'
import { sleep } from '../core/duration.ts'
import { isLoopbackHost } from '../core/loopback.ts'
import type { ReferenceDut } from './device.ts'
import { SimError, errorMessage } from './errors.ts'

/**
 * The device's own connection to an MQTT broker, shared by its front ends on the broker (the
 * command front end of mode api, the jobs agent of mode jobs). It lives and dies with the
 * device's power cycles: a boot opens a persistent session (clean session off, QoS 1) with
 * `offline` as the last will, a restart drains the work in progress, says `offline` and ends it,
 * and a broker that goes away is reconnected to for as long as the device runs. Both front ends
 * keep the retained `state` current and pass on notifications the same way, so that lives here too.
 *
 * What differs between the front ends comes in as an `MqttRole`: what to subscribe to, what to
 * say after `online`, what to do with a message, and what belongs to a power cycle that ends.
 */
export interface MqttLinkOptions {
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

export interface MqttRole {
  /** Leads the log line of an established connection ("jobs agent connected to …"); none by default. */
  name?: string
  /** The reason `close` gives in the disconnect log line. */
  closeReason: string
  /** Subscribed to on every connection: the broker may have forgotten the session. */
  subscriptions(): string | string[]
  /** The connected log line also tells whether the broker kept the session. */
  showSessionPresent?: boolean
  /** A lost connection is logged (once until the next CONNACK). */
  logLoss?: boolean
  /** At most this many messages wait while the device announces itself or goes down. */
  deferLimit: number
  /** Messages outside these are dropped at once rather than kept waiting. */
  wants?(topic: string): boolean
  /** After the subscription and `online`: the rest of what is said on every CONNACK; a throw is logged and ends the announcement. */
  announce(client: MqttClient, sessionPresent: boolean): Promise<void>
  /** A message, once the device has announced itself and is up. */
  message(topic: string, payload: Buffer): void
  /** Going down, after the work in progress drained and before `offline`: drop what the power cycle owned. */
  goingDown(reason: string): Promise<void> | void
}

export type Body = Record<string, unknown>

/** The topics every front end on the broker has under its root. */
export interface DeviceTopics {
  root: string
  /** `online` / `offline`, retained; `offline` is also the last will. */
  availability: string
  /** The device's retained state. */
  state: string
  notificationEvents: string
  cmd(name: string): string
  reply(name: string): string
}

export function deviceTopics(root: string): DeviceTopics {
  return {
    root,
    availability: `${root}/availability`,
    state: `${root}/state`,
    notificationEvents: `${root}/events/notification`,
    cmd: (name) => `${root}/cmd/${name}`,
    reply: (name) => `${root}/reply/${name}`,
  }
}

/** A restart waits this long for work in progress (replies, job reports) to go out. */
const DRAIN_MS = 5000

export function defaultTopicRoot(hardwareId: string): string {
  return `ts701/${hardwareId}`
}

export class MqttLink {
  readonly root: string
  readonly clientId: string
  private readonly topics: DeviceTopics
  private current: MqttClient | undefined
  /** Connect and disconnect, one after the other. */
  private transitions: Promise<void> = Promise.resolve()
  /** The device has announced itself on the current connection and takes messages. */
  private announced = false
  private connectedOnce: { promise: Promise<void>; resolve: () => void }
  private lastError: unknown
  private readonly inflight = new Set<Promise<void>>()
  /** Messages that came while the device announced itself or went down: handled once it is ready. */
  private deferred: Array<{ topic: string; payload: Buffer }> = []
  private readonly unsubscribe: Array<() => void> = []
  private lostLogged = false
  private closed = false

  constructor(
    private readonly device: ReferenceDut,
    private readonly options: MqttLinkOptions,
    private readonly role: MqttRole,
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
    this.root = options.topicRoot ?? defaultTopicRoot(device.hardwareId)
    this.clientId = options.clientId ?? `ts701-${device.hardwareId}`
    this.topics = deviceTopics(this.root)
    let resolve!: () => void
    this.connectedOnce = { promise: new Promise<void>((r) => (resolve = r)), resolve }
  }

  get brokerUrl(): string {
    return this.options.brokerUrl
  }

  /** The connection of this power cycle, connected or reconnecting; none while the device is down. */
  get client(): MqttClient | undefined {
    return this.current
  }

  get connected(): boolean {
    return this.current?.connected === true
  }

  /** Announced on the current connection: messages are handled, not kept waiting. */
  get ready(): boolean {
    return this.announced
  }

  /** Listeners the front end set up: removed when the link closes. */
  own(...offs: Array<() => void>): void {
    this.unsubscribe.push(...offs)
  }

  /** Follows the device's power cycles; resolves once connected (fails after `connectTimeoutMs`). */
  async start(): Promise<void> {
    const d = this.device
    this.unsubscribe.push(
      d.signals.power.on((e) => {
        if (e.up) this.transition(() => this.open())
        else this.transition(() => this.shut(e.reason))
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
    this.transition(() => this.shut(this.role.closeReason))
    await this.transitions
  }

  /** Work a restart waits for (up to `DRAIN_MS`); a failure is logged as `<what>: <error>`. */
  track(task: Promise<void>, what: string): Promise<void> {
    const tracked = task.catch((err: unknown) => this.device.log.add('mqtt', `${what}: ${errorMessage(err)}`))
    this.inflight.add(tracked)
    void tracked.finally(() => this.inflight.delete(tracked))
    return tracked
  }

  /** Fire and forget: goes out only while connected. */
  send(topic: string, value: unknown, retain = false): void {
    const client = this.current
    if (!client?.connected) return
    client.publishAsync(topic, JSON.stringify(value), { qos: 1, retain }).catch(() => {})
  }

  /** What the retained `state` topic says. */
  state(): Body {
    const d = this.device
    return { ...d.info(), settings: d.settings.view(), time: d.clock.now().toISOString() }
  }

  async publishState(client: MqttClient): Promise<void> {
    await client.publishAsync(this.topics.state, JSON.stringify(this.state()), { qos: 1, retain: true })
  }

  private transition(step: () => Promise<void>): void {
    this.transitions = this.transitions
      .then(step)
      .catch((err: unknown) => this.device.log.add('mqtt', `connection step failed: ${errorMessage(err)}`))
  }

  private async open(): Promise<void> {
    // The module first, so that the checks below and the dial happen in one turn.
    const mqtt = await mqttModule()
    if (this.current || this.closed || !this.device.isUp) return
    this.announced = false
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
    const client = dial(mqtt, this.options.brokerUrl, options)
    this.current = client
    client.on('connect', (connack) => {
      this.lostLogged = false
      void this.announce(client, connack.sessionPresent)
    })
    client.on('message', (topic, payload) => this.receive(topic, payload))
    client.on('error', (err) => {
      this.lastError = err
    })
    if (!this.role.logLoss) return
    client.on('offline', () => {
      if (this.current !== client || this.lostLogged) return
      this.lostLogged = true
      this.device.log.add(
        'mqtt',
        `lost the connection to the broker at ${this.options.brokerUrl}; reconnecting every ${options.reconnectPeriod} ms`,
      )
    })
  }

  /** After every CONNACK: subscribe, say `online`, let the role say the rest, then take messages. */
  private async announce(client: MqttClient, sessionPresent: boolean): Promise<void> {
    try {
      await client.subscribeAsync(this.role.subscriptions(), { qos: 1 })
      await client.publishAsync(this.topics.availability, 'online', { qos: 1, retain: true })
      await this.role.announce(client, sessionPresent)
    } catch (err) {
      this.lastError = err
      this.device.log.add('mqtt', `announcing on the broker failed: ${errorMessage(err)}`)
      return
    }
    if (this.current !== client) return
    const lead = this.role.name ? `${this.role.name} ` : ''
    this.device.log.add('mqtt', `${lead}connected to ${this.options.brokerUrl} as ${this.clientId}`, {
      topics: `${this.root}/#`,
      ...(this.role.showSessionPresent ? { sessionPresent } : {}),
    })
    this.announced = true
    this.connectedOnce.resolve()
    for (const m of this.deferred.splice(0)) this.receive(m.topic, m.payload)
  }

  /** Power-down: work in progress finishes, availability says offline, the connection ends. */
  private async shut(reason: string): Promise<void> {
    const client = this.current
    if (!client) return
    this.announced = false
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(DRAIN_MS)])
    await this.role.goingDown(reason)
    this.current = undefined
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

  private receive(topic: string, payload: Buffer): void {
    if (this.role.wants && !this.role.wants(topic)) return
    if (!this.announced || !this.device.isUp) {
      // Still announcing, or going down: the message waits, as it would at the broker.
      if (this.deferred.length < this.role.deferLimit) this.deferred.push({ topic, payload })
      return
    }
    this.role.message(topic, payload)
  }
}

/** What the device's front ends on the broker show of their connection to the lab and setup. */
export abstract class OnBroker {
  protected abstract readonly link: MqttLink

  get brokerUrl(): string {
    return this.link.brokerUrl
  }

  get clientId(): string {
    return this.link.clientId
  }

  get connected(): boolean {
    return this.link.connected
  }

  /** Says goodbye on the broker and stops following the device's power cycles. */
  close(): Promise<void> {
    return this.link.close()
  }
}

export const SETTINGS_COMMANDS = [
  'settings/get',
  'settings/set',
  'setup/consent',
  'update/postpone',
  'notifications/postpone',
  'notifications/list',
] as const
export type SettingsCommand = (typeof SETTINGS_COMMANDS)[number]

/** The settings commands both front ends answer: what a device's app changes over the broker. */
export function settingsCommands(device: ReferenceDut): Record<SettingsCommand, (body: Body) => Body> {
  const d = device
  const via = 'mqtt'
  const settingsOf = (body: Body) => {
    const { requestId: _id, ...changes } = body
    return changes
  }
  return {
    'settings/get': () => ({ ...d.settings.view() }),
    'settings/set': (body) => ({ ...d.changeSettings(settingsOf(body), via) }),
    'setup/consent': (body) => ({ ...d.answerConsent(settingsOf(body), via) }),
    'update/postpone': (body) => ({ ...d.postponeUpdates(body.days, via) }),
    'notifications/postpone': (body) => ({ ...d.postponeNotifications(body.days, via) }),
    'notifications/list': () => ({ notifications: d.notifications.list() }),
  }
}

/**
 * mqtt.js, but with Nagle off on plain TCP: every exchange is a few small packets each way, and
 * Nagle with delayed ACKs would add 40 ms to each of them.
 */
export function dial(mqtt: typeof import('mqtt'), brokerUrl: string, options: IClientOptions): MqttClient {
  const url = new URL(brokerUrl)
  if (url.protocol !== 'mqtt:') return mqtt.connect(brokerUrl, options)
  const port = Number(url.port || 1883)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return new mqtt.MqttClient(() => createConnection({ port, host, noDelay: true }), options)
}

/** mqtt.js, loaded by the first device that goes on a broker: a device on another channel never needs it. */
const mqttModule = (): Promise<typeof import('mqtt')> => import('mqtt')

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ])
}
