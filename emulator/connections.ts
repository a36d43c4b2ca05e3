import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ClientError, HandshakeFailure } from './recorder.ts'
import { parentOf, presentedFingerprint, servernameOf, tagConnection, type ConnectionTag } from './tls.ts'

/** What connection trouble changes in the request a connection is busy with. */
export interface InFlight {
  status: number
  error?: string
  readonly res: ServerResponse
}

export interface ConnectionEvents {
  /** A TLS handshake completed (for first contact; no evidence of its own). */
  handshakeCompleted(h: { remote?: string; servername?: string }): void
  handshakeFailure(f: Omit<HandshakeFailure, 'time'>): void
  clientError(e: Omit<ClientError, 'time'>, answeredWith?: number): void
  idleConnection(e: Omit<ClientError, 'time'>): void
}

interface ConnectionState {
  id: number
  /** Certificate generation the connection was accepted under. */
  generation: number
  acceptedAt: number
  /** TLS only: the certificate in use at accept, replaced by the one the handshake presented. */
  certificate?: string
  readonly raw: Socket
  tls?: TLSSocket
  remote?: string
  requests: number
  inFlight: number
  errored: boolean
  /** A refusal or protocol error is on record for it: one record per connection. */
  reported: boolean
  /** We closed it (swap, stop, idle), so its end says nothing about the client. */
  serverClosed: boolean
  current?: InFlight
}

/** How long a swap waits for the connections it closed to be gone (they go at once). */
const CLOSE_WAIT_MS = 2_000

/**
 * The open connections of the listener and what they did: requests, refused certificates (in the
 * handshake, right after it, or by holding the connection open without a request), protocol
 * errors, stalls. Each TLS connection is tagged with the certificate it was accepted under.
 */
export class Connections {
  private readonly open = new Set<ConnectionState>()
  private readonly state = new WeakMap<Socket, ConnectionState>()
  private generation = 0
  private seq = 0

  constructor(
    private readonly events: ConnectionEvents,
    private readonly idleMs: number,
    /** Fingerprint of the certificate in use; undefined on plain HTTP. */
    private certificate: string | undefined,
  ) {}

  /** A TCP connection; on a TLS listener it is tagged now, so a failed handshake names its certificate too. */
  accepted(socket: Socket, secure: boolean): void {
    const st: ConnectionState = {
      id: ++this.seq,
      generation: this.generation,
      acceptedAt: Date.now(),
      ...(secure && this.certificate !== undefined && { certificate: this.certificate }),
      raw: socket,
      // Asked now: once a failed handshake has closed the socket, the address is gone.
      ...(socket.remoteAddress !== undefined && { remote: socket.remoteAddress }),
      requests: 0,
      inFlight: 0,
      errored: false,
      reported: false,
      serverClosed: false,
    }
    this.state.set(socket, st)
    this.open.add(st)
    socket.once('close', () => this.open.delete(st))
    // Errors are reported through clientError / tlsClientError; never let one escape.
    socket.on('error', () => {})
    const tag = tagOf(st)
    if (tag) tagConnection(socket, tag)
  }

  secured(socket: TLSSocket): void {
    const st = this.stateOf(socket)
    st.tls = socket
    // The certificate this handshake really presented: the proof a judge counts requests by.
    st.certificate = presentedFingerprint(socket) ?? st.certificate
    this.state.set(socket, st)
    socket.on('error', () => {})
    const tag = tagOf(st)
    if (tag) tagConnection(socket, tag)
    const servername = servernameOf(socket)
    this.events.handshakeCompleted({ remote: st.remote, servername })
    socket.once('close', () => {
      if (st.requests > 0 || st.reported || st.errored || st.serverClosed) return
      this.refused(st, 'after-handshake', 'the client closed the connection right after the TLS handshake, before sending any request')
    })
  }

  handshakeFailed(err: NodeJS.ErrnoException, socket: TLSSocket): void {
    const st = this.stateOf(socket)
    // A connection we closed ourselves (at a swap) is already on record.
    if (!st.serverClosed && !st.reported) this.refused(st, 'handshake', errorText(err), servernameOf(socket))
    socket.destroy()
  }

  /** Counts the request on its connection, which reports its trouble into `exchange` until it ends. */
  request(socket: Socket, exchange: InFlight): void {
    const st = this.stateOf(socket)
    st.requests++
    st.inFlight++
    st.current = exchange
    exchange.res.once('close', () => {
      st.inFlight--
      if (st.current === exchange) st.current = undefined
    })
  }

  /** Garbage, a request that never completed, a reset: answer 400/408/431 where still possible. */
  clientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const st = this.stateOf(socket)
    // Node reports a TLS error before the handshake completed here too; tlsClientError follows
    // with the same error and records it as the refusal it is.
    if (st.certificate !== undefined && !st.tls) return
    if (st.errored) {
      // The aftermath of the first error (the client hanging up on our 400/408): already told.
      socket.destroy()
      return
    }
    st.errored = true
    const code = err.code ?? ''
    const reset = code === 'ECONNRESET' || code === 'EPIPE'
    const pending = st.current
    let status: number | undefined
    if (!reset && socket.writable && !(pending?.res.headersSent ?? false)) {
      status = /TIMEOUT/.test(code) ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      setTimeout(() => socket.destroy(), 1_000).unref()
    } else {
      socket.destroy()
    }
    if (pending) {
      pending.error = errorText(err)
      if (status !== undefined) pending.status = status
    }
    // A reset after (or during) requests shows in the hits; record the rest.
    if (reset && (st.requests > 0 || pending)) return
    st.reported = true
    this.events.clientError({ ...tagOf(st), remote: st.remote, error: errorText(err) }, status)
  }

  /** No traffic for `idleMs` (or a keep-alive connection that ran out): close it. */
  idle(socket: Socket): void {
    const st = this.stateOf(socket)
    if (st.current) st.current.error = `no traffic for ${this.idleMs} ms; connection closed`
    else if (st.requests === 0 && !st.reported && st.tls) {
      this.refused(st, 'held-open', `completed the TLS handshake and sent no request within ${this.idleMs} ms; connection closed`)
    } else if (st.requests === 0 && !st.reported) {
      st.reported = true
      this.events.idleConnection({ ...tagOf(st), remote: st.remote, error: `no request within ${this.idleMs} ms; connection closed` })
    }
    st.serverClosed = true
    socket.destroy()
  }

  /**
   * A new certificate is in use. Every connection made before is closed now, whatever it is
   * doing, so no request can reach the new certificate's time on an old connection; a TLS
   * connection that carried no request is on record as a refusal of the old certificate. Resolves
   * once they are closed and their requests recorded.
   */
  async renew(certificate: string | undefined): Promise<void> {
    const old = [...this.open]
    this.generation++
    this.certificate = certificate
    const closed = old.map(closedPromise)
    for (const st of old) {
      if (st.serverClosed) continue
      if (st.requests === 0 && !st.reported && st.certificate !== undefined) {
        const ms = Date.now() - st.acceptedAt
        if (st.tls)
          this.refused(st, 'held-open', `completed the TLS handshake and sent no request in ${ms} ms; closed at the certificate swap`)
        else this.refused(st, 'handshake', `no TLS handshake completed in ${ms} ms; closed at the certificate swap`)
      }
      st.serverClosed = true
      if (st.current) st.current.error ??= 'connection closed at the certificate swap'
      st.tls?.destroy()
      st.raw.destroy()
    }
    await settled(Promise.all(closed), CLOSE_WAIT_MS)
    // The exchanges end in the sockets' close handlers; one more turn so all are recorded.
    await new Promise((resolve) => setImmediate(resolve))
  }

  /** Made under a certificate that has since been swapped: it gets no more requests. */
  outdated(socket: Socket): boolean {
    const st = this.find(socket)
    return st !== undefined && st.generation !== this.generation
  }

  destroyAll(): void {
    for (const st of this.open) {
      st.serverClosed = true
      st.tls?.destroy()
      st.raw.destroy()
    }
  }

  private refused(st: ConnectionState, stage: NonNullable<HandshakeFailure['stage']>, error: string, servername?: string): void {
    st.reported = true
    this.events.handshakeFailure({
      ...tagOf(st),
      remote: st.remote,
      error,
      stage,
      servername: servername ?? (st.tls && servernameOf(st.tls)),
    })
  }

  private find(socket: Socket): ConnectionState | undefined {
    const parent = parentOf(socket)
    return this.state.get(socket) ?? (parent && this.state.get(parent))
  }

  /** Every socket the server hands us was accepted first; a stray one gets a state of its own. */
  private stateOf(socket: Socket): ConnectionState {
    const found = this.find(socket)
    if (found) return found
    this.accepted(socket, false)
    return this.state.get(socket)!
  }
}

function tagOf(st: ConnectionState): ConnectionTag | undefined {
  return st.certificate === undefined
    ? undefined
    : { connection: st.id, generation: st.generation, certificateSha256: st.certificate, acceptedAt: st.acceptedAt }
}

function closedPromise(st: ConnectionState): Promise<void> {
  const sockets = [st.raw, ...(st.tls ? [st.tls] : [])]
  return Promise.all(
    sockets.map((s) => (s.closed ? Promise.resolve() : new Promise<void>((resolve) => s.once('close', () => resolve())))),
  ).then(() => {})
}

function settled(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref()
    void p.then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

function errorText(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message
}
