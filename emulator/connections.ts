import { STATUS_CODES, type ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ClientError, HandshakeFailure } from './recorder.ts'
import { servernameOf } from './tls.ts'

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
  requests: number
  inFlight: number
  /** Certificate generation the connection was made under. */
  generation: number
  errored: boolean
  /** We closed it (swap, stop, idle), so its end says nothing about the client. */
  serverClosed: boolean
  current?: InFlight
}

/**
 * The open connections of the listener and what they did: requests, refused certificates
 * (in the handshake or right after it), protocol errors, stalls.
 */
export class Connections {
  private readonly open = new Set<Socket>()
  private readonly state = new WeakMap<Socket, ConnectionState>()
  private readonly remotes = new WeakMap<Socket, string>()
  private generation = 0

  constructor(
    private readonly events: ConnectionEvents,
    private readonly idleMs: number,
  ) {}

  /** A TCP connection; on a TLS listener its state starts once the handshake completes. */
  accepted(socket: Socket, secure: boolean): void {
    // Asked now: once a failed handshake has closed the socket, the address is gone.
    if (socket.remoteAddress) this.remotes.set(socket, socket.remoteAddress)
    this.track(socket)
    if (!secure) this.stateOf(socket)
  }

  secured(socket: TLSSocket): void {
    const st = this.stateOf(socket)
    const remote = socket.remoteAddress
    this.track(socket)
    this.events.handshakeCompleted({ remote, servername: servernameOf(socket) })
    socket.once('close', () => {
      if (st.requests > 0 || st.errored || st.serverClosed) return
      this.events.handshakeFailure({
        remote,
        error: 'the client closed the connection right after the TLS handshake, before sending any request',
        stage: 'after-handshake',
        servername: servernameOf(socket),
      })
    })
  }

  handshakeFailed(err: NodeJS.ErrnoException, socket: TLSSocket): void {
    this.events.handshakeFailure({
      remote: this.remoteOf(socket),
      error: errorText(err),
      stage: 'handshake',
      servername: servernameOf(socket),
    })
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
    this.events.clientError({ remote: this.remoteOf(socket), error: errorText(err) }, status)
  }

  /** No traffic for `idleMs` (or a keep-alive connection that ran out): close it. */
  idle(socket: Socket): void {
    const st = this.stateOf(socket)
    st.serverClosed = true
    if (st.current) st.current.error = `no traffic for ${this.idleMs} ms; connection closed`
    else if (st.requests === 0)
      this.events.idleConnection({ remote: this.remoteOf(socket), error: `no request within ${this.idleMs} ms; connection closed` })
    socket.destroy()
  }

  /** A new certificate is in use: connections made before get no further requests. */
  renew(): void {
    this.generation++
  }

  outdated(socket: Socket): boolean {
    const st = this.state.get(socket)
    return st !== undefined && st.generation !== this.generation
  }

  /** Before the listener closes its idle connections, so they are not taken for refusals. */
  markIdleClosing(): void {
    for (const socket of this.open) {
      const st = this.state.get(socket)
      if (st && st.inFlight === 0) st.serverClosed = true
    }
  }

  destroyAll(): void {
    for (const socket of this.open) {
      const st = this.state.get(socket)
      if (st) st.serverClosed = true
      socket.destroy()
    }
  }

  private track(socket: Socket): void {
    this.open.add(socket)
    socket.once('close', () => this.open.delete(socket))
    // Errors are reported through clientError / tlsClientError; never let one escape.
    socket.on('error', () => {})
  }

  private stateOf(socket: Socket): ConnectionState {
    let st = this.state.get(socket)
    if (!st) {
      st = { requests: 0, inFlight: 0, generation: this.generation, errored: false, serverClosed: false }
      this.state.set(socket, st)
    }
    return st
  }

  /** The peer address, also after the socket has closed (asked at connection time). */
  private remoteOf(socket: Socket): string | undefined {
    // Node keeps the TCP socket under a TLS socket as `_parent`; without it, whatever is left.
    const parent = (socket as unknown as { _parent?: unknown })._parent
    return this.remotes.get(socket) ?? (parent instanceof Socket ? this.remotes.get(parent) : undefined) ?? socket.remoteAddress
  }
}

function errorText(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message
}
