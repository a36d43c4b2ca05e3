/**
 * The connection to the broker. One mqtt.js client at a time, never reconnecting on its own: a
 * broker that drops the connection fails the operations in flight (E_DUT_UNREACHABLE, "the broker
 * at … closed the connection"), and the next operation connects again, once. Every step (connect,
 * subscribe, publish, waiting for a message) has a deadline and gives up when the connection is
 * lost, so no operation can hang on the broker.
 */
import { readFileSync } from 'node:fs'
import type { IClientOptions, MqttClient } from 'mqtt'
import { sendAtOnce } from './socket.ts'
import type { MqttDutProfile } from './profile.ts'
import { loopbackProblem } from '../../core/loopback.ts'
import { topicMatches } from './topics.ts'
import { WaitTimer, type Deadline } from '../../core/duration.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import { redactUrl } from '../../core/mask.ts'
import { newRequestId } from '../kit/template.ts'
import { classifyConnect, MqttFailure } from './failure.ts'
import type { IncomingMessage, OutgoingMessage, Recorder } from './record.ts'

type QoS = 0 | 1 | 2

export interface LinkOptions {
  profile: MqttDutProfile
  env: NodeJS.ProcessEnv
  recorder: Recorder
}

/** How long close() lets the client say goodbye before it cuts the connection. */
const CLOSE_GRACE_MS = 1000
/** Messages a listener keeps before it drops the oldest. */
const QUEUE_CAP = 1000

/** Connects on demand and hands out the live session. */
export class Link {
  /** The broker URL without credentials, for messages. */
  readonly shown: string
  private current?: Session
  private pending?: Promise<Session>
  private closed = false
  private readonly clientId: string

  constructor(private readonly o: LinkOptions) {
    this.shown = redactUrl(o.profile.adapter.url).replace(/\/$/, '')
    this.clientId = o.profile.adapter.clientId ?? `ts701-${newRequestId().slice(0, 8)}`
  }

  timeoutFor(op: Operation): number {
    const t = this.o.profile.adapter.timeouts
    return t.operations[op] ?? t.defaultMs
  }

  get qos(): QoS {
    return this.o.profile.adapter.qos
  }

  /** The live session, connecting (once) when there is none. */
  async session(op: Operation): Promise<Session> {
    if (this.closed) throw new DutError('E_DUT_UNREACHABLE', op, 'the MQTT adapter was closed')
    if (this.current?.alive) return this.current
    this.pending ??= this.connect(op).finally(() => {
      this.pending = undefined
    })
    this.current = await this.pending
    return this.current
  }

  async close(): Promise<void> {
    this.closed = true
    const pending = this.pending?.catch(() => undefined)
    const sessions = [this.current, await pending].filter((s): s is Session => s !== undefined)
    await Promise.all(sessions.map((s) => s.end()))
  }

  private async connect(op: Operation): Promise<Session> {
    // Loaded here, not with the module: a run over another channel never needs mqtt.js.
    const { connect } = await import('mqtt')
    const { adapter } = this.o.profile
    const refusal = loopbackProblem(adapter.url)
    if (refusal) throw new DutError('E_DUT_REFUSED', op, refusal)
    const timeoutMs = this.timeoutFor(op)
    const options: IClientOptions = {
      clientId: this.clientId,
      clean: true,
      protocolVersion: 4,
      // Never reconnect behind the operations' back; the next operation does, once.
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      keepalive: 30,
      resubscribe: false,
      queueQoSZero: false,
      ...this.credentials(op),
      ...this.tls(op),
    }
    const recorder = this.o.recorder
    const as = `${this.clientId}${options.username !== undefined ? `, user ${options.username}` : ''}`
    const client = connect(adapter.url, options)
    sendAtOnce(client)
    const started = Date.now()
    return new Promise<Session>((resolve, reject) => {
      let settled = false
      let lastError: unknown
      const fail = (failure: MqttFailure) => {
        if (settled) return
        settled = true
        timer.clear()
        client.removeAllListeners('connect')
        client.end(true)
        recorder.note(op, `cannot connect to the broker at ${this.shown}: ${failure.message}`, {
          url: this.shown,
          clientId: this.clientId,
          ms: Date.now() - started,
          error: failure.message,
        })
        reject(failure)
      }
      const timer = new WaitTimer(timeoutMs, () =>
        fail(new MqttFailure('timeout', `no answer (CONNACK) from the broker at ${this.shown} within ${timeoutMs} ms`)),
      )
      // mqtt.js emits errors as events; without a listener they would crash the process.
      client.on('error', (err) => {
        lastError = err
        if (!settled) fail(classifyConnect(err, this.shown, timeoutMs))
      })
      client.once('close', () => {
        if (!settled)
          fail(
            lastError
              ? classifyConnect(lastError, this.shown, timeoutMs)
              : new MqttFailure('unreachable', `the broker at ${this.shown} closed the connection before accepting it`),
          )
      })
      client.once('connect', () => {
        if (settled) return
        settled = true
        timer.clear()
        recorder.note(op, `connected to the broker at ${this.shown} as ${as}`, {
          url: this.shown,
          clientId: this.clientId,
          ...(options.username !== undefined ? { username: options.username } : {}),
          ms: Date.now() - started,
        })
        resolve(new Session(client, this.shown, recorder))
      })
    })
  }

  private credentials(op: Operation): Pick<IClientOptions, 'username' | 'password'> {
    const auth = this.o.profile.adapter.auth
    if (!auth) return {}
    const password = this.o.env[auth.passwordEnv]
    if (password === undefined || password === '') {
      throw new DutError(
        'E_DUT_REFUSED',
        op,
        `credentials missing: set the environment variable ${auth.passwordEnv} (named by adapter.auth.passwordEnv)`,
      )
    }
    this.o.recorder.masker.addSecret(password)
    return { username: auth.username, password }
  }

  private tls(op: Operation): Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized'> {
    const tls = this.o.profile.adapter.tls
    if (!tls) return {}
    const read = (key: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
      const file = tls[key]
      if (file === undefined) return undefined
      try {
        return readFileSync(file)
      } catch (err) {
        throw new DutError('E_DUT_UNREACHABLE', op, `cannot read adapter.tls.${key} (${err instanceof Error ? err.message : String(err)})`)
      }
    }
    const ca = read('caFile')
    const cert = read('certFile')
    const key = read('keyFile')
    return {
      rejectUnauthorized: true,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(tls.serverName ? { servername: tls.serverName } : {}),
    }
  }
}

/** One connection: publishes, subscriptions, and the routing of incoming messages to listeners. */
export class Session {
  alive = true
  /** Rejects when the connection is lost; every wait races it. */
  readonly lost: Promise<never>
  private rejectLost!: (failure: MqttFailure) => void
  private ending = false
  /** ts701 cut the connection itself (see `acked`): not the broker's doing. */
  private dropping = false
  private readonly listeners = new Set<Listener>()
  private readonly subscriptions = new Map<string, number>()
  /** UNSUBSCRIBEs not yet acknowledged: a new SUBSCRIBE to the filter waits, or a broker may apply them after it. */
  private readonly unsubscribing = new Map<string, Promise<unknown>>()

  constructor(
    private readonly client: MqttClient,
    readonly shown: string,
    private readonly recorder: Recorder,
  ) {
    this.lost = new Promise<never>((_, reject) => {
      this.rejectLost = reject
    })
    this.lost.catch(() => {})
    client.on('message', (topic, payload, packet) => this.dispatch({ topic, payload, qos: packet.qos, retain: packet.retain }))
    client.on('close', () => this.die())
    // Errors after the connection was made are followed by 'close'; the listener keeps them from crashing the process.
    client.on('error', () => {})
  }

  /** Resolves with `work`, or fails when the connection is lost or the deadline passes. */
  race<T>(work: Promise<T>, deadline: Deadline, onTimeout: () => MqttFailure): Promise<T> {
    return deadline.race(Promise.race([work, this.lost]), () => {
      throw onTimeout()
    })
  }

  /**
   * `race` for the broker's own acknowledgement (PUBACK, SUBACK). A connection on which one does
   * not come in time is no use any more: stalled, or stuck inside a packet that never ends (a
   * peer sending endless data). It is cut, so the next operation connects afresh (once) instead
   * of every later operation waiting behind it for the rest of the run.
   */
  private async acked<T>(work: Promise<T>, deadline: Deadline, onTimeout: () => MqttFailure): Promise<T> {
    try {
      return await this.race(work, deadline, onTimeout)
    } catch (err) {
      if (err instanceof MqttFailure && err.kind === 'timeout' && this.alive && !this.ending) {
        this.recorder.note(undefined, `dropped the connection to ${this.shown}: ${err.message}`, { url: this.shown })
        this.dropping = true
        this.client.stream?.destroy()
      }
      throw err
    }
  }

  async publish(op: Operation, m: OutgoingMessage, deadline: Deadline, extra: Record<string, unknown> = {}): Promise<void> {
    this.check()
    this.recorder.out(op, m, extra)
    const ms = deadline.remaining()
    await this.acked(
      this.client.publishAsync(m.topic, m.payload, { qos: m.qos, retain: m.retain }),
      deadline,
      () => new MqttFailure('timeout', `the broker at ${this.shown} did not acknowledge the message on ${m.topic} within ${ms} ms`),
    )
  }

  /** Opens a listener: subscribes to its filter (the SUBSCRIBE is acknowledged before this resolves). */
  async listen(op: Operation, filter: string, qos: QoS, accept: Acceptance, deadline: Deadline): Promise<Listener> {
    this.check()
    const listener = new Listener(this, op, filter, accept)
    this.listeners.add(listener)
    this.subscriptions.set(filter, (this.subscriptions.get(filter) ?? 0) + 1)
    try {
      const ms = deadline.remaining()
      const leaving = this.unsubscribing.get(filter)
      if (leaving)
        await this.race(
          leaving,
          deadline,
          () => new MqttFailure('timeout', `the broker at ${this.shown} did not acknowledge leaving ${filter} within ${ms} ms`),
        )
      // Subscribing again to a filter in use is harmless and makes the broker resend retained messages.
      const granted = await this.acked(
        this.client.subscribeAsync(filter, { qos }),
        deadline,
        () => new MqttFailure('timeout', `the broker at ${this.shown} did not acknowledge the subscription to ${filter} within ${ms} ms`),
      )
      const refused = granted.find((g) => g.qos === 128)
      this.recorder.note(op, `subscribed to ${filter}${refused ? ' (refused by the broker)' : ''}`, {
        filter,
        qos,
        granted: granted.map((g) => g.qos),
      })
      if (refused)
        throw new MqttFailure(
          'refused',
          `the broker at ${this.shown} refused the subscription to ${filter}; check the broker's access rules for the lab's user`,
        )
      return listener
    } catch (err) {
      listener.close()
      throw err
    }
  }

  /** Ends the connection politely, then for good after a short grace. */
  async end(): Promise<void> {
    this.ending = true
    for (const l of [...this.listeners]) l.close()
    if (!this.alive) return
    await new Promise<void>((resolve) => {
      // A second end() while the first is under way does nothing in mqtt.js; destroying the stream does.
      const force = setTimeout(() => {
        this.client.stream?.destroy()
        resolve()
      }, CLOSE_GRACE_MS)
      this.client.end(false, {}, () => {
        clearTimeout(force)
        resolve()
      })
    })
    this.die()
  }

  /** @internal */
  release(listener: Listener): void {
    if (!this.listeners.delete(listener)) return
    const left = (this.subscriptions.get(listener.filter) ?? 1) - 1
    if (left > 0) {
      this.subscriptions.set(listener.filter, left)
      return
    }
    this.subscriptions.delete(listener.filter)
    if (!this.alive || this.ending) return
    const filter = listener.filter
    const leaving = this.client
      .unsubscribeAsync(filter)
      .catch(() => undefined)
      .finally(() => {
        if (this.unsubscribing.get(filter) === leaving) this.unsubscribing.delete(filter)
      })
    this.unsubscribing.set(filter, leaving)
  }

  private check(): void {
    if (!this.alive) throw new MqttFailure('closed', `the broker at ${this.shown} closed the connection`)
  }

  private die(): void {
    if (!this.alive) return
    this.alive = false
    const message = this.ending ? 'the MQTT adapter was closed' : `the broker at ${this.shown} closed the connection`
    if (!this.ending && !this.dropping)
      this.recorder.note(
        undefined,
        `${message}${this.listeners.size > 0 ? ` (waiting: ${[...new Set([...this.listeners].map((l) => l.op))].join(', ')})` : ''}`,
        { url: this.shown },
      )
    this.rejectLost(new MqttFailure('closed', message))
    this.client.end(true)
  }

  private dispatch(m: OutgoingMessage): void {
    const taken: Listener[] = []
    const ignored: Listener[] = []
    for (const l of this.listeners) {
      const verdict = l.offer(m)
      if (verdict === 'taken') taken.push(l)
      else if (verdict === 'ignored') ignored.push(l)
    }
    const evidence = this.recorder.in(m, [...new Set(taken.map((l) => l.op))], [...new Set(ignored.map((l) => l.op))])
    const incoming: IncomingMessage = { ...m, evidence }
    for (const l of taken) l.deliver(incoming)
  }
}

/** Which messages on the filter a listener takes. */
export interface Acceptance {
  /** Take retained messages (sent by the broker on subscribing) too. */
  retained: boolean
  match?: (m: OutgoingMessage) => boolean
}

/** Messages on one filter for one operation, queued until taken. */
export class Listener {
  /** Messages on the filter that did not match, for the timeout message. */
  ignored = 0
  lastIgnored?: Buffer
  staleRetained = 0
  private readonly queue: IncomingMessage[] = []
  private waiter?: (m: IncomingMessage) => void
  private closed = false

  constructor(
    readonly session: Session,
    readonly op: Operation,
    readonly filter: string,
    private readonly accept: Acceptance,
  ) {}

  get alive(): boolean {
    return !this.closed && this.session.alive
  }

  /** @internal */
  offer(m: OutgoingMessage): 'taken' | 'ignored' | undefined {
    if (this.closed || !topicMatches(this.filter, m.topic)) return undefined
    if (m.retain && !this.accept.retained) {
      this.staleRetained++
      return 'ignored'
    }
    let matches: boolean
    try {
      matches = this.accept.match ? this.accept.match(m) : true
    } catch {
      matches = false
    }
    if (!matches) {
      this.ignored++
      this.lastIgnored = m.payload
      return 'ignored'
    }
    return 'taken'
  }

  /** @internal */
  deliver(m: IncomingMessage): void {
    if (this.waiter) {
      const w = this.waiter
      this.waiter = undefined
      w(m)
      return
    }
    this.queue.push(m)
    if (this.queue.length > QUEUE_CAP) this.queue.shift()
  }

  /** The next message taken, or undefined when the deadline passes first; fails when the connection is lost. */
  async next(deadline: Deadline): Promise<IncomingMessage | undefined> {
    const queued = this.queue.shift()
    if (queued) return queued
    if (!this.session.alive) return this.session.lost
    const arrival = new Promise<IncomingMessage>((resolve) => {
      this.waiter = resolve
    })
    try {
      return await deadline.race(Promise.race([arrival, this.session.lost]), () => undefined)
    } finally {
      this.waiter = undefined
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.session.release(this)
  }
}
