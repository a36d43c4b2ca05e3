/**
 * The `mqtt` source: messages the device publishes on its own (state, job status, a version
 * announcement). One subscriber per run, on the broker the profile names, subscribed to every
 * topic filter an `observe` fact uses from its first use on: MQTT keeps no history, so a message is
 * only seen by a subscriber that was there. Each message a filter matches is recorded as evidence.
 */
import { readFileSync } from 'node:fs'
import type { IClientOptions, MqttClient } from 'mqtt'
import type { MqttAdapterConfig } from '../../adapters/mqtt/profile.ts'
import { sendAtOnce } from '../../adapters/mqtt/socket.ts'
import { topicMatches } from '../../adapters/mqtt/topics.ts'
import { excerpt } from '../../adapters/kit/text.ts'
import { WaitTimer } from '../../core/duration.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { loopbackProblem } from '../../core/loopback.ts'
import { redactUrl } from '../../core/mask.ts'
import type { DutProfile } from '../../profile/types.ts'
import { Backlog } from './backlog.ts'
import type { Feed, FeedItem } from './feed.ts'
import { ObserveError } from './types.ts'

export interface BrokerSettings {
  url: string
  username?: string
  password?: string
  clientId?: string
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string }
}

interface Message extends FeedItem {
  topic: string
}

const CONNECT_TIMEOUT_MS = 10_000
/** A day of polling is far less; the oldest go first beyond it. */
const KEEP = 10_000

export class MqttWatcher {
  private readonly messages = new Backlog<Message>(KEEP, (m) => m)
  private client: MqttClient | undefined
  private starting: Promise<void> | undefined
  private readonly shown: string

  constructor(
    private readonly broker: BrokerSettings,
    private readonly filters: readonly string[],
    private readonly evidence: EvidenceLog,
  ) {
    this.shown = redactUrl(broker.url).replace(/\/$/, '')
  }

  /** Connects and subscribes once; later calls wait for the same start. */
  start(): Promise<void> {
    this.starting ??= this.connect()
    return this.starting
  }

  feed(filter: string): Feed {
    return this.messages.feed(`MQTT ${filter} at ${this.shown}`, (m) => topicMatches(filter, m.topic))
  }

  async close(): Promise<void> {
    this.messages.close()
    const client = this.client
    this.client = undefined
    if (client) await client.endAsync(true).catch(() => undefined)
  }

  private options(): IClientOptions {
    const tls = this.broker.tls
    const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file))
    return {
      clientId: this.broker.clientId ?? `ts701-observe-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      protocolVersion: 4,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // An observation window lasts hours: come back after a dropped connection, subscriptions included.
      reconnectPeriod: 1000,
      resubscribe: true,
      ...(this.broker.username !== undefined && { username: this.broker.username }),
      ...(this.broker.password !== undefined && { password: this.broker.password }),
      ...(tls && {
        ca: read(tls.caFile),
        cert: read(tls.certFile),
        key: read(tls.keyFile),
        ...(tls.serverName !== undefined && { servername: tls.serverName }),
      }),
    }
  }

  private async connect(): Promise<void> {
    // Loaded here, not with the module: most runs observe nothing over MQTT.
    const { connect } = await import('mqtt')
    const refusal = loopbackProblem(this.broker.url)
    if (refusal) throw new ObserveError('E_OBSERVE_CONFIG', `observe.mqtt: ${refusal}`)
    const client = connect(this.broker.url, { ...this.options(), reconnectPeriod: 0 })
    sendAtOnce(client)
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = new WaitTimer(CONNECT_TIMEOUT_MS, () => reject(new Error(`no answer (CONNACK) within ${CONNECT_TIMEOUT_MS} ms`)))
        client.once('connect', () => {
          timer.clear()
          resolve()
        })
        client.once('error', (err) => {
          timer.clear()
          reject(err)
        })
        client.once('close', () => {
          timer.clear()
          reject(new Error('the broker closed the connection'))
        })
      })
      // Listening before subscribing: a retained message may come in the same packet as the SUBACK.
      client.on('message', (topic, payload, packet) => this.received(topic, payload, packet.retain))
      const grants = await client.subscribeAsync([...new Set(this.filters)], { qos: 1 })
      const refused = grants.filter((g) => g.qos === 128).map((g) => g.topic)
      if (refused.length) throw new Error(`the broker refused the subscription to ${refused.join(', ')}`)
    } catch (err) {
      client.end(true)
      const why = err instanceof Error ? err.message : String(err)
      this.evidence.record({ channel: 'mqtt', summary: `cannot observe at ${this.shown}: ${why}` })
      throw new ObserveError('E_OBSERVE_BROKER', `cannot observe MQTT at ${this.shown}: ${why}`)
    }
    // From here on a lost connection is retried behind the scenes; the evidence shows the gap.
    client.options.reconnectPeriod = 1000
    client.on('error', (err) => this.evidence.record({ channel: 'mqtt', summary: `observer at ${this.shown}: ${err.message}` }))
    client.on('offline', () => this.evidence.record({ channel: 'mqtt', summary: `observer lost the broker at ${this.shown}` }))
    this.client = client
    this.evidence.record({ channel: 'mqtt', summary: `observing ${this.filters.join(', ')} at ${this.shown}` })
  }

  private received(topic: string, payload: Buffer, retained: boolean): void {
    if (!this.filters.some((f) => topicMatches(f, topic))) return
    const text = payload.toString('utf8')
    const evidence = this.evidence.record({
      channel: 'mqtt',
      summary: `observed ${topic}: ${excerpt(text, 120, this.evidence.masker)}`,
      detail: { topic, bytes: payload.length, ...(retained && { retained: true }) },
    })
    this.messages.push({ time: Date.now(), evidence, topic, what: `message on ${topic}`, report: { text } })
  }
}

/** `observe.mqtt`, else the MQTT adapter's broker (with its credentials and TLS, under a client ID of its own). */
export function brokerOf(profile: DutProfile, credentials: Record<string, string>): BrokerSettings {
  const password = (env: string, where: string): string => {
    const value = credentials[env]
    if (value === undefined || value === '')
      throw new ObserveError('E_OBSERVE_CONFIG', `credentials missing: set the environment variable ${env} (named by ${where})`)
    return value
  }
  const own = profile.observe?.mqtt
  if (own) {
    return {
      url: own.url,
      ...(own.username !== undefined && { username: own.username }),
      ...(own.passwordEnv !== undefined && { password: password(own.passwordEnv, 'observe.mqtt.passwordEnv') }),
      ...(own.clientId !== undefined && { clientId: own.clientId }),
    }
  }
  if (profile.adapter.kind === 'mqtt') {
    const a = profile.adapter as MqttAdapterConfig
    return {
      url: a.url,
      ...(a.auth && { username: a.auth.username, password: password(a.auth.passwordEnv, 'adapter.auth.passwordEnv') }),
      ...(a.tls && { tls: a.tls }),
    }
  }
  throw new ObserveError('E_OBSERVE_CONFIG', 'observations from mqtt need a broker: give observe.mqtt.url, or use adapter.kind mqtt')
}
