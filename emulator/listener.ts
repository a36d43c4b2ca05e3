import { randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { Connections, type ConnectionEvents, type InFlight } from './connections.ts'
import { definedOnly } from './defined.ts'
import { EmulatorConfigError } from './errors.ts'
import { hostPort } from './loopback.ts'
import { certificateFingerprint, checkTls, type TlsMaterial } from './tls.ts'

export interface EmulatorTimeouts {
  /** Until the request headers are complete. Default 30 s. */
  headersMs?: number
  /** Until the whole request (with body) is received. Default 60 s. */
  requestMs?: number
  /** A socket with no traffic either way is closed. Default 120 s. */
  idleMs?: number
  /** Keep-alive connections without a new request are closed. Default 10 s. */
  keepAliveMs?: number
  /** Until the TLS handshake is complete. Default 30 s. */
  handshakeMs?: number
}

const DEFAULTS: Required<EmulatorTimeouts> = {
  headersMs: 30_000,
  requestMs: 60_000,
  idleMs: 120_000,
  keepAliveMs: 10_000,
  handshakeMs: 30_000,
}

export function withDefaults(timeouts: EmulatorTimeouts = {}): Required<EmulatorTimeouts> {
  return { ...DEFAULTS, ...definedOnly(timeouts) }
}

export interface ListenerReport extends ConnectionEvents {
  serverError(err: Error): void
}

/** Returns the exchange the connection reports its trouble into. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => InFlight

type AnyServer = HttpServer | HttpsServer

/**
 * The socket side of the emulator: one HTTP or HTTPS server on a fixed loopback address, whose
 * certificate can be swapped (an impostor's, then back) without changing the port.
 */
export class Listener {
  private server: AnyServer | undefined
  private tls: TlsMaterial | undefined
  private port = 0
  private readonly connections: Connections

  constructor(
    private readonly host: string,
    private readonly timeouts: Required<EmulatorTimeouts>,
    tls: TlsMaterial | undefined,
    private readonly report: ListenerReport,
    private readonly onRequest: RequestHandler,
  ) {
    this.tls = tls
    this.connections = new Connections(report, timeouts.idleMs, tls && certificateFingerprint(tls.certPem))
  }

  /** The scheme follows the current TLS setting. */
  get url(): string {
    return `${this.tls ? 'https' : 'http'}://${hostPort(this.host, this.port)}`
  }

  async listen(port: number): Promise<void> {
    const server = this.createServer()
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.off('listening', onListening)
        const why =
          err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'address not available' : err.message
        reject(
          new EmulatorConfigError(
            `update-server emulator cannot listen on ${hostPort(this.host, port)}: ${why}${err.code ? ` (${err.code})` : ''}`,
          ),
        )
      }
      const onListening = (): void => {
        server.off('error', onError)
        resolve()
      }
      server.once('error', onError)
      server.once('listening', onListening)
      server.listen({ host: this.host, port, exclusive: true })
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  /** Stops listening and drops every connection, keep-alive ones included. */
  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    this.connections.destroyAll()
    server.closeAllConnections()
    await closed
  }

  /**
   * TLS to TLS replaces the secure context and closes every connection made under the old
   * certificate, idle or busy, so each request after the swap comes on a connection accepted
   * (and tagged) under the new one; between plain and TLS the listener restarts on the same port.
   * Resolves once the old connections are closed and what they did is recorded.
   */
  async setTls(tls: TlsMaterial | undefined): Promise<void> {
    if (tls) checkTls(tls)
    if (this.tls && tls) {
      const server = this.server as HttpsServer
      server.setSecureContext({ cert: tls.certPem, key: tls.keyPem })
      // New ticket keys, so no client can resume a session it verified under the old
      // certificate: a resumed session would skip the certificate check the test is about.
      server.setTicketKeys(randomBytes(48))
      this.tls = tls
      await this.connections.renew(certificateFingerprint(tls.certPem))
    } else if (this.tls || tls) {
      await this.connections.renew(tls && certificateFingerprint(tls.certPem))
      await this.stop()
      this.tls = tls
      await this.listen(this.port)
    }
  }

  /** Made under a certificate that has since been swapped: it gets no more requests. */
  outdated(socket: Socket): boolean {
    return this.tls !== undefined && this.connections.outdated(socket)
  }

  private createServer(): AnyServer {
    const t = this.timeouts
    const httpOptions = {
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      keepAliveTimeout: t.keepAliveMs,
      // Node checks the header and request timeouts only this often.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(t.headersMs, t.requestMs) / 4))),
    }
    const server: AnyServer = this.tls
      ? createHttpsServer({ ...httpOptions, cert: this.tls.certPem, key: this.tls.keyPem, handshakeTimeout: t.handshakeMs })
      : createHttpServer(httpOptions)
    server.timeout = t.idleMs

    const connections = this.connections
    const secure = this.tls !== undefined
    server.on('connection', (socket: Socket) => connections.accepted(socket, secure))
    server.on('request', (req: IncomingMessage, res: ServerResponse) => connections.request(req.socket, this.onRequest(req, res)))
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => connections.clientError(err, socket))
    server.on('timeout', (socket: Socket) => connections.idle(socket))
    server.on('error', (err: Error) => this.report.serverError(err))
    if (this.tls) {
      server.on('secureConnection', (socket: TLSSocket) => connections.secured(socket))
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => connections.handshakeFailed(err, socket))
    }
    return server
  }
}
