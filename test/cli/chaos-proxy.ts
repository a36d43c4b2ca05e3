/**
 * A loopback TCP proxy between ts701 and a device (or its broker, or its console), for tests
 * that make the device misbehave the way a real one or its network does: from outside the
 * harness, on the wire. It forwards bytes untouched until the client sends `trigger`; then the
 * fault takes that connection (`scope: 'connection'`) or every connection from then on (`'all'`).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

/** `watch` only triggers: the test breaks something else (the broker, the console, the power). */
export type Fault = 'hang' | 'reset' | 'garbage' | 'endless' | 'watch'

export interface ChaosOptions {
  /** The device's port on 127.0.0.1. */
  target: number
  fault: Fault
  /** Bytes the client sends (latin1) that start the fault; matched across chunk boundaries. */
  trigger: string
  /** Default 'connection': a client that reconnects gets through again. */
  scope?: 'connection' | 'all'
  /** Forwarding resumes this long after the trigger (a burst of line noise, say); default never. */
  healAfterMs?: number
  /** What `garbage` answers with; default bytes no protocol accepts. */
  garbage?: Buffer
  /** Called once, when the trigger is first seen. */
  onTrigger?: () => void
}

/** Bytes that are neither HTTP, nor an MQTT packet (type 15 is reserved), nor a console line. */
export const GARBAGE = Buffer.from([
  0xf0, 0x00, 0x07, 0x1b, 0x5b, 0xff, 0x00, 0x4e, 0x4f, 0x54, 0x20, 0x41, 0x20, 0x52, 0x45, 0x50, 0x4c, 0x59, 0x0d, 0x0a,
])

/** Endless data stops here all the same, so a harness that never gives up cannot eat the test host. */
const ENDLESS_CAP_BYTES = 512 * 1024 * 1024
const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 0x41)

interface Pair {
  client: Socket
  upstream: Socket
  faulty: boolean
  tail: string
  endless: boolean
}

export class ChaosProxy {
  private readonly pairs = new Set<Pair>()
  private triggeredAt: number | undefined
  private healed = false
  private healTimer: NodeJS.Timeout | undefined
  /** Resolves when the trigger was first seen. */
  readonly triggered: Promise<void>
  private fire!: () => void

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: ChaosOptions,
  ) {
    this.triggered = new Promise((resolve) => (this.fire = resolve))
  }

  static async start(options: ChaosOptions): Promise<ChaosProxy> {
    let proxy: ChaosProxy | undefined
    const server = createServer((client) => proxy?.accept(client))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', resolve)
    })
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('chaos-proxy: no port')
    proxy = new ChaosProxy(server, address.port, options)
    return proxy
  }

  /** Whether the trigger has been seen. */
  get fired(): boolean {
    return this.triggeredAt !== undefined
  }

  /** Whether the fault has been triggered (and not healed yet). */
  get active(): boolean {
    return this.triggeredAt !== undefined && !this.healed
  }

  private accept(client: Socket): void {
    const upstream = createConnection({ host: '127.0.0.1', port: this.options.target })
    const pair: Pair = { client, upstream, faulty: false, tail: '', endless: false }
    this.pairs.add(pair)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    const drop = () => {
      this.pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    // A hung or flooding peer does not hang up just because the device behind it did.
    const upstreamGone = () =>
      pair.faulty && !this.healed && (this.options.fault === 'hang' || this.options.fault === 'endless') ? undefined : drop()
    upstream.on('error', upstreamGone).on('close', upstreamGone)
    if (this.active && this.options.scope === 'all' && this.options.fault !== 'watch') {
      pair.faulty = true
      this.strike(pair)
    }
    client.on('data', (chunk: Buffer) => {
      const seen = pair.tail + chunk.toString('latin1')
      pair.tail = seen.slice(-this.options.trigger.length)
      if (!pair.faulty && !this.healed && seen.includes(this.options.trigger)) this.trip(pair)
      if (!pair.faulty || this.healed) return void upstream.write(chunk)
      // The device still hears the request (it may act on it); only what comes back is wrong.
      if (this.options.fault !== 'reset') upstream.write(chunk)
      this.strike(pair)
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.faulty || this.healed) client.write(chunk)
    })
  }

  private trip(pair: Pair): void {
    if (this.options.fault !== 'watch') pair.faulty = true
    if (this.triggeredAt !== undefined) return
    this.triggeredAt = Date.now()
    if (this.options.scope === 'all' && this.options.fault !== 'watch') for (const p of this.pairs) p.faulty = true
    if (this.options.healAfterMs !== undefined) this.healTimer = setTimeout(() => this.heal(), this.options.healAfterMs)
    this.options.onTrigger?.()
    this.fire()
  }

  /** What the fault does to the client's side of a faulty connection, each time it speaks. */
  private strike(pair: Pair): void {
    const { client, upstream } = pair
    switch (this.options.fault) {
      case 'hang':
      case 'watch':
        return
      case 'reset':
        client.resetAndDestroy()
        upstream.destroy()
        return
      case 'garbage':
        client.write(this.options.garbage ?? GARBAGE)
        return
      case 'endless':
        if (pair.endless) return
        pair.endless = true
        void this.flood(client)
        return
    }
  }

  private async flood(client: Socket): Promise<void> {
    let sent = 0
    while (!client.destroyed && !this.healed && sent < ENDLESS_CAP_BYTES) {
      sent += ENDLESS_CHUNK.length
      if (!client.write(ENDLESS_CHUNK)) await new Promise<void>((resolve) => client.once('drain', resolve).once('close', resolve))
    }
  }

  /** Forwards again, for connections open now and new ones. */
  heal(): void {
    this.healed = true
    clearTimeout(this.healTimer)
  }

  /** Stops listening and cuts every connection (a console server that goes away). */
  async close(): Promise<void> {
    clearTimeout(this.healTimer)
    for (const p of this.pairs) {
      p.client.destroy()
      p.upstream.destroy()
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
