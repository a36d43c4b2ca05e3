import { createHash, randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { isIP, Socket, type AddressInfo } from 'node:net'
import { createSecureContext, TLSSocket } from 'node:tls'
import type { ImageSource } from '../core/dut.ts'
import type { EvidenceLog } from '../core/evidence.ts'
import { hashFile } from '../fixtures/hash.ts'
import type { EmulatorRoute } from '../profile/types.ts'
import { EmulatorConfigError } from './errors.ts'
import { redactHeaders, redactQuery } from './redact.ts'
import { compileConfig, matchPath, methodMatches, type CompiledConfig, type CompiledRoute } from './routes.ts'
import { render, type ImageValues, type TemplateContext } from './template.ts'

export interface TlsMaterial {
  certPem: string
  keyPem: string
}

export interface EmulatorOptions {
  /** Loopback only (127.0.0.0/8, ::1; `localhost` means 127.0.0.1). */
  host: string
  /** 0 = ephemeral. */
  port: number
  tls?: TlsMaterial
  routes: EmulatorRoute[]
  imagePath: string
  pollInterval?: string
  evidence?: EvidenceLog
  /** Limits against clients that stall; the defaults suit real devices. */
  timeouts?: EmulatorTimeouts
}

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

export interface OfferedImage extends ImageSource {
  version: string
}

export interface Hit {
  /** The evidence ID when an evidence log is attached (`E000042`), else a running number (`H000001`). */
  id: string
  /** When the request arrived, epoch ms. */
  time: number
  method: string
  /** As sent, percent-encoding kept, without the query. */
  path: string
  /** Credential-like parameter names masked. */
  query: Record<string, string>
  /** Credentials redacted. */
  headers: Record<string, string>
  remote: string
  tls?: { protocol: string; cipher: string; servername?: string }
  /** The route that answered; absent when none matched (404) or the client left first. */
  route?: string
  /** 0 when no answer was sent (the client went away before its request was complete). */
  status: number
  /** Body bytes handed to the connection. */
  bytesSent: number
  /** false when the client went away before the answer was complete. */
  completed: boolean
}

export interface HandshakeFailure {
  time: number
  remote?: string
  error: string
  /**
   * `handshake`: the handshake itself failed (an alert, a reset, a timeout, not TLS at all).
   * `after-handshake`: the client completed the handshake and closed without sending a request,
   * which is how some TLS stacks (Node's among them, with TLS 1.2) reject a certificate.
   */
  stage?: 'handshake' | 'after-handshake'
  servername?: string
}

/** A connection that broke the protocol or stalled: garbage, a request never finished, silence. */
export interface ClientError {
  time: number
  remote?: string
  error: string
}

interface Offer {
  image: OfferedImage
  size: number
  sha1: string
  md5: string
  /** What the file holds; `image.sha256` is what is announced, and may differ on purpose. */
  fileSha256: string
  etag: string
}

interface SocketState {
  requests: number
  inFlight: number
  /** TLS context generation the connection was made under. */
  generation: number
  errored: boolean
  serverClosed: boolean
  current?: Pending
}

interface Pending {
  time: number
  method: string
  path: string
  rawQuery: Record<string, string>
  headers: Record<string, string>
  remote: string
  remotePort?: number
  tls?: Hit['tls']
  route?: string
  status: number
  bytesSent: number
  /** For fixed bodies: counted once the answer is complete. */
  bodyBytes?: number
  requestBytes: number
  requestHash: ReturnType<typeof createHash>
  res: ServerResponse
  responseHeaders?: Record<string, string>
  responseBody?: string
  image?: { name: string; version: string; range?: string }
  error?: string
  recorded: boolean
}

interface Waiter {
  predicate: (h: Hit) => boolean
  since: number
  resolve: (h: Hit | undefined) => void
  reject: (e: unknown) => void
  timer: NodeJS.Timeout
}

type AnyServer = HttpServer | HttpsServer

const DEFAULTS: Required<EmulatorTimeouts> = { headersMs: 30_000, requestMs: 60_000, idleMs: 120_000, keepAliveMs: 10_000, handshakeMs: 30_000 }
const CHANNEL = 'update-server'
const BODY_EXCERPT = 2048
const MAX_TIMER_MS = 2_147_483_647

/**
 * The vendor's update server, played by ts701. Answers as the DUT profile's routes declare,
 * serves the image the running unit offers, and records every request with its timing and TLS
 * details for the suites (`hits()`, `waitForHit`) and the evidence log.
 */
export class UpdateServerEmulator {
  private server!: AnyServer
  private tls: TlsMaterial | undefined
  private tlsGeneration = 0
  private port = 0
  private readonly sockets = new Set<Socket>()
  private readonly socketState = new WeakMap<Socket, SocketState>()
  private readonly remotes = new WeakMap<Socket, string>()
  private readonly hitLog: Hit[] = []
  private readonly failures: HandshakeFailure[] = []
  private readonly clientErrorLog: ClientError[] = []
  private readonly waiters = new Set<Waiter>()
  private readonly seen = new Set<string>()
  private current: Offer | undefined
  private offerSeq = 0
  private hitSeq = 0
  private queue: Promise<unknown> = Promise.resolve()
  private closing: Promise<void> | undefined

  private constructor(
    private readonly host: string,
    private readonly config: CompiledConfig,
    private readonly evidence: EvidenceLog | undefined,
    private readonly timeouts: Required<EmulatorTimeouts>,
    tls: TlsMaterial | undefined,
  ) {
    this.tls = tls
  }

  static async start(options: EmulatorOptions): Promise<UpdateServerEmulator> {
    const host = loopbackHost(options.host)
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
      throw new EmulatorConfigError(`update server port ${JSON.stringify(options.port)} is not a TCP port (0 … 65535)`)
    }
    const config = compileConfig(options)
    if (options.tls) checkTls(options.tls)
    const timeouts = { ...DEFAULTS, ...definedOnly(options.timeouts ?? {}) }
    const emulator = new UpdateServerEmulator(host, config, options.evidence, timeouts, options.tls)
    await emulator.listen(options.port)
    emulator.record(`listening on ${emulator.url}`, { event: 'start', url: emulator.url, routes: config.routes.map((r) => r.name) })
    return emulator
  }

  /** e.g. `https://127.0.0.1:8702`; the scheme follows the current TLS setting. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host
    return `${this.tls ? 'https' : 'http'}://${host}:${this.port}`
  }

  /** Offers an image from now on. Digests are computed by streaming the file. */
  async offer(image: OfferedImage): Promise<void> {
    if (!image || typeof image.name !== 'string' || image.name === '' || typeof image.path !== 'string' || typeof image.version !== 'string') {
      throw new EmulatorConfigError('an offered image needs a name, a path and a version')
    }
    const seq = ++this.offerSeq
    let digests
    try {
      digests = await hashFile(image.path)
    } catch (e) {
      throw new EmulatorConfigError(`cannot offer image ${image.name}: ${(e as Error).message}`)
    }
    // A later offer() or withdraw() wins over this one.
    if (seq !== this.offerSeq) return
    const announced = typeof image.sha256 === 'string' && image.sha256 !== '' ? image.sha256.toLowerCase() : digests.sha256
    this.current = {
      image: { ...image, size: digests.size, sha256: announced },
      size: digests.size,
      sha1: digests.sha1,
      md5: digests.md5,
      fileSha256: digests.sha256,
      etag: `"ts701-${seq}-${digests.size}"`,
    }
    this.record(`offering ${image.name} (version ${image.version})`, {
      event: 'offer',
      image: image.name,
      version: image.version,
      size: digests.size,
      sha256: announced,
      ...(announced !== digests.sha256 ? { fileSha256: digests.sha256, note: 'announced SHA-256 differs from the file' } : {}),
    })
  }

  withdraw(): void {
    this.offerSeq++
    const was = this.current
    this.current = undefined
    if (was) this.record(`no longer offering ${was.image.name}`, { event: 'withdraw', image: was.image.name })
  }

  offered(): OfferedImage | undefined {
    return this.current ? { ...this.current.image } : undefined
  }

  /**
   * Swaps the certificate (an impostor's, then back) on the same port. TLS to TLS replaces the
   * secure context and closes idle keep-alive connections, so the next request needs a new
   * handshake; between plain and TLS the listener restarts on the same port.
   */
  setTls(tls: TlsMaterial | undefined): Promise<void> {
    return this.serial(async () => {
      if (this.closing) throw new EmulatorConfigError('the update-server emulator is closed')
      if (tls) checkTls(tls)
      const fingerprint = tls ? certificateFingerprint(tls.certPem) : undefined
      if (this.tls && tls) {
        ;(this.server as HttpsServer).setSecureContext({ cert: tls.certPem, key: tls.keyPem })
        // New ticket keys, so no client can resume a session it verified under the old
        // certificate: a resumed session would skip the certificate check the test is about.
        ;(this.server as HttpsServer).setTicketKeys(randomBytes(48))
        this.tls = tls
        this.tlsGeneration++
        // Idle connections are closed by us, not by a client refusing the certificate.
        for (const socket of this.sockets) {
          const st = this.socketState.get(socket)
          if (st && st.inFlight === 0) st.serverClosed = true
        }
        this.server.closeIdleConnections()
      } else if (this.tls || tls) {
        await this.stopListener()
        this.tls = tls
        this.tlsGeneration++
        await this.listen(this.port)
      }
      this.record(tls ? `TLS certificate now ${fingerprint}` : 'TLS off (plain HTTP)', { event: 'tls', url: this.url, certificateSha256: fingerprint })
    })
  }

  hits(): Hit[] {
    return this.hitLog.map(copyHit)
  }

  handshakeFailures(): HandshakeFailure[] {
    return this.failures.map((f) => ({ ...f }))
  }

  /** Connections that sent garbage, stalled, or stayed silent (not part of `hits()`). */
  clientErrors(): ClientError[] {
    return this.clientErrorLog.map((e) => ({ ...e }))
  }

  /** Forgets which routes have answered (for `afterSeen` / `untilSeen`); the hit log stays. */
  resetState(): void {
    this.seen.clear()
  }

  /**
   * The first hit (recorded ones included, from `since` on when given) that satisfies the
   * predicate; `undefined` after `timeoutMs` or when the emulator closes. A hit is recorded when
   * its answer is complete or the client left.
   */
  waitForHit(predicate: (h: Hit) => boolean, options: { timeoutMs: number; since?: number }): Promise<Hit | undefined> {
    const since = options.since ?? Number.NEGATIVE_INFINITY
    try {
      const found = this.hitLog.find((h) => h.time >= since && predicate(copyHit(h)))
      if (found) return Promise.resolve(copyHit(found))
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.closing) return Promise.resolve(undefined)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          resolve(undefined)
        }, Math.min(MAX_TIMER_MS, Math.max(0, options.timeoutMs))),
      }
      this.waiters.add(waiter)
    })
  }

  /** Stops listening and drops every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.serial(async () => {
      await this.stopListener()
      for (const w of this.waiters) {
        clearTimeout(w.timer)
        w.resolve(undefined)
      }
      this.waiters.clear()
      this.record(`stopped (${this.hitLog.length} requests seen)`, { event: 'close', requests: this.hitLog.length })
    })
    return this.closing
  }

  // --- listener -------------------------------------------------------------------------------

  private createServer(): AnyServer {
    const t = this.timeouts
    const httpOptions = {
      headersTimeout: t.headersMs,
      requestTimeout: t.requestMs,
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(t.headersMs, t.requestMs) / 4))),
    }
    const server: AnyServer = this.tls
      ? createHttpsServer({ ...httpOptions, cert: this.tls.certPem, key: this.tls.keyPem, handshakeTimeout: t.handshakeMs })
      : createHttpServer(httpOptions)
    server.timeout = t.idleMs

    server.on('connection', (socket: Socket) => {
      // Asked now: once a failed handshake has closed the socket, the address is gone.
      if (socket.remoteAddress) this.remotes.set(socket, socket.remoteAddress)
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
      // Errors are reported through clientError / tlsClientError; never let one escape.
      socket.on('error', () => {})
      if (!this.tls) this.stateOf(socket)
    })
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res))
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.onClientError(err, socket))
    server.on('timeout', (socket: Socket) => this.onIdle(socket))
    server.on('error', (err: Error) => this.record(`server error: ${err.message}`, { event: 'error', error: err.message }))
    if (this.tls) {
      server.on('secureConnection', (socket: TLSSocket) => this.onSecureConnection(socket))
      server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => this.onTlsClientError(err, socket))
    }
    return server
  }

  private async listen(port: number): Promise<void> {
    const server = this.createServer()
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.off('listening', onListening)
        const hostPort = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`
        const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'address not available' : err.message
        reject(new EmulatorConfigError(`update-server emulator cannot listen on ${hostPort}: ${why}${err.code ? ` (${err.code})` : ''}`))
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

  private async stopListener(): Promise<void> {
    const server = this.server
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of this.sockets) {
      const st = this.socketState.get(socket)
      if (st) st.serverClosed = true
      socket.destroy()
    }
    server.closeAllConnections()
    await closed
  }

  // --- connections ----------------------------------------------------------------------------

  private stateOf(socket: Socket): SocketState {
    let st = this.socketState.get(socket)
    if (!st) {
      st = { requests: 0, inFlight: 0, generation: this.tlsGeneration, errored: false, serverClosed: false }
      this.socketState.set(socket, st)
    }
    return st
  }

  private onSecureConnection(socket: TLSSocket): void {
    const st = this.stateOf(socket)
    const remote = socket.remoteAddress
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    socket.once('close', () => {
      if (st.requests > 0 || st.errored || st.serverClosed) return
      this.recordHandshakeFailure({
        remote,
        error: 'the client closed the connection right after the TLS handshake, before sending any request',
        stage: 'after-handshake',
        servername: typeof socket.servername === 'string' ? socket.servername : undefined,
      })
    })
  }

  private onTlsClientError(err: NodeJS.ErrnoException, socket: TLSSocket): void {
    this.recordHandshakeFailure({
      remote: this.remoteOf(socket),
      error: errorText(err),
      stage: 'handshake',
      servername: typeof socket.servername === 'string' ? socket.servername : undefined,
    })
    socket.destroy()
  }

  /** The peer address, also after the socket has closed (asked at connection time). */
  private remoteOf(socket: Socket): string | undefined {
    // Node keeps the TCP socket under a TLS socket as `_parent`; without it, whatever is left.
    const parent = (socket as unknown as { _parent?: unknown })._parent
    return this.remotes.get(socket) ?? (parent instanceof Socket ? this.remotes.get(parent) : undefined) ?? socket.remoteAddress
  }

  private recordHandshakeFailure(f: Omit<HandshakeFailure, 'time'>): void {
    const failure: HandshakeFailure = { time: Date.now(), ...definedOnly(f) }
    this.failures.push(failure)
    this.record(`TLS handshake${f.remote ? ` with ${f.remote}` : ''} failed: ${f.error}`, { event: 'tls-handshake-failure', ...definedOnly(f) })
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
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
    const entry: ClientError = { time: Date.now(), remote: this.remoteOf(socket), error: errorText(err) }
    this.clientErrorLog.push(entry)
    this.record(`client error from ${entry.remote ?? 'unknown'}: ${entry.error}${status ? ` → ${status}` : ''}`, { event: 'client-error', ...definedOnly(entry), status })
  }

  /** No traffic for `idleMs` (or a keep-alive connection that ran out): close it. */
  private onIdle(socket: Socket): void {
    const st = this.stateOf(socket)
    st.serverClosed = true
    if (st.current) st.current.error = `no traffic for ${this.timeouts.idleMs} ms; connection closed`
    else if (st.requests === 0) {
      const entry: ClientError = { time: Date.now(), remote: this.remoteOf(socket), error: `no request within ${this.timeouts.idleMs} ms; connection closed` }
      this.clientErrorLog.push(entry)
      this.record(`idle connection from ${entry.remote ?? 'unknown'} closed`, { event: 'client-error', ...definedOnly(entry) })
    }
    socket.destroy()
  }

  // --- requests -------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const time = Date.now()
    const socket = req.socket
    const st = this.stateOf(socket)
    st.requests++
    st.inFlight++
    const { path, query } = splitUrl(req.url ?? '/')
    const pending: Pending = {
      time,
      method: req.method ?? '',
      path,
      rawQuery: query,
      headers: redactHeaders(req.headers),
      remote: socket.remoteAddress ?? '',
      remotePort: socket.remotePort,
      tls: tlsDetails(socket),
      status: 0,
      bytesSent: 0,
      requestBytes: 0,
      requestHash: createHash('sha256'),
      res,
      recorded: false,
    }
    st.current = pending
    req.on('error', () => {})
    res.on('error', () => {})
    // Recorded on 'finish' (the whole answer is handed to the connection, so normally before the
    // client has read it all) or on 'close' when the connection went away first.
    res.once('finish', () => this.finish(pending, true))
    res.once('close', () => {
      st.inFlight--
      if (st.current === pending) st.current = undefined
      this.finish(pending, res.writableFinished)
    })
    req.on('data', (chunk: Buffer) => {
      pending.requestBytes += chunk.length
      pending.requestHash.update(chunk)
    })
    req.once('end', () => {
      try {
        this.answer(req, res, pending, st).catch((e: unknown) => this.failAnswer(res, pending, e))
      } catch (e) {
        this.failAnswer(res, pending, e)
      }
    })
  }

  private failAnswer(res: ServerResponse, pending: Pending, e: unknown): void {
    pending.error = (e as Error)?.message ?? String(e)
    if (res.headersSent || res.destroyed) {
      res.destroy()
      return
    }
    this.sendFixed(res, pending, 500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'update-server emulator error\n', false)
  }

  private route(method: string, path: string): { compiled: CompiledRoute; params: Record<string, string> } | undefined {
    const offering = this.current !== undefined
    for (const compiled of this.config.routes) {
      const r = compiled.route
      if (!methodMatches(compiled, method)) continue
      const params = matchPath(compiled, path)
      if (!params) continue
      if (r.when === 'offering' && !offering) continue
      if (r.when === 'idle' && offering) continue
      if (r.afterSeen !== undefined && !this.seen.has(r.afterSeen)) continue
      if (r.untilSeen !== undefined && this.seen.has(r.untilSeen)) continue
      return { compiled, params }
    }
    return undefined
  }

  private async answer(req: IncomingMessage, res: ServerResponse, pending: Pending, st: SocketState): Promise<void> {
    if (res.destroyed) return
    const head = pending.method.toUpperCase() === 'HEAD'
    // A connection made under a certificate that has since been swapped gets no more requests.
    if (this.tls && st.generation !== this.tlsGeneration) res.setHeader('Connection', 'close')
    const matched = this.route(pending.method, pending.path)
    if (!matched) {
      this.sendFixed(res, pending, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, `no route for ${pending.method} ${pending.path}\n`, head)
      return
    }
    const { compiled, params } = matched
    // Seen when it answers, so `untilSeen: <itself>` answers exactly once.
    this.seen.add(compiled.name)
    pending.route = compiled.name
    const offer = this.current
    const ctx: TemplateContext = {
      image: offer ? this.imageValues(offer) : undefined,
      pollInterval: this.config.pollInterval,
      pollIntervalSeconds: this.config.pollIntervalSeconds,
      query: pending.rawQuery,
      params,
    }
    const headers: Record<string, string> = {}
    for (const [name, template] of compiled.headers) headers[name] = render(template, ctx)
    if (compiled.route.serve === 'image') {
      if (!offer) {
        this.sendFixed(res, pending, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'no image offered\n', head)
        return
      }
      await this.serveImage(req, res, pending, compiled.route.status, headers, offer, head)
      return
    }
    const body = compiled.body ? render(compiled.body, ctx) : ''
    if (body !== '' && !hasHeader(headers, 'content-type')) headers['Content-Type'] = guessType(body)
    this.sendFixed(res, pending, compiled.route.status, headers, body, head)
  }

  private sendFixed(res: ServerResponse, pending: Pending, status: number, headers: Record<string, string>, body: string, head: boolean): void {
    const bytes = Buffer.from(body, 'utf8')
    const bodyless = status === 204 || status === 304 || status < 200
    const noBody = head || bodyless
    pending.status = status
    pending.responseHeaders = headers
    pending.responseBody = body.length > BODY_EXCERPT ? `${body.slice(0, BODY_EXCERPT)}…` : body
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    if (!bodyless && !hasHeader(headers, 'content-length')) res.setHeader('Content-Length', bytes.length)
    res.statusCode = status
    if (noBody) {
      res.end()
      return
    }
    pending.bodyBytes = bytes.length
    res.end(bytes)
  }

  private async serveImage(
    req: IncomingMessage,
    res: ServerResponse,
    pending: Pending,
    routeStatus: number,
    routeHeaders: Record<string, string>,
    offer: Offer,
    head: boolean,
  ): Promise<void> {
    const size = offer.size
    let start = 0
    let end = size - 1
    let status = routeStatus
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ETag: offer.etag }
    pending.image = { name: offer.image.name, version: offer.image.version }
    const rangeHeader = req.headers.range
    if (routeStatus === 200 && rangeHeader !== undefined) {
      const ifRange = req.headers['if-range']
      const range = ifRange === undefined || ifRange === offer.etag ? parseRange(rangeHeader, size) : undefined
      if (range === 'unsatisfiable') {
        pending.image.range = rangeHeader
        this.sendFixed(res, pending, 416, { ...headers, 'Content-Range': `bytes */${size}`, ...routeHeaders }, '', head)
        return
      }
      if (range) {
        ;({ start, end } = range)
        status = 206
        headers['Content-Range'] = `bytes ${start}-${end}/${size}`
        pending.image.range = `${start}-${end}`
      }
    }
    const length = Math.max(0, end - start + 1)

    let file
    try {
      file = await open(offer.image.path, 'r')
      const actual = (await file.stat()).size
      if (actual !== size) throw new Error(`${offer.image.path} changed size since it was offered (${size} → ${actual} bytes)`)
    } catch (e) {
      await file?.close()
      throw e
    }
    if (res.destroyed) {
      await file.close()
      return
    }
    Object.assign(headers, routeHeaders)
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.setHeader('Content-Length', length)
    res.statusCode = status
    pending.status = status
    pending.responseHeaders = headers
    if (head || length === 0) {
      await file.close()
      res.end()
      return
    }
    const stream = file.createReadStream({ start, end, autoClose: true })
    try {
      for await (const chunk of stream) {
        if (res.destroyed) break
        const bytes = chunk as Buffer
        const ok = res.write(bytes, (err) => {
          if (!err) pending.bytesSent += bytes.length
        })
        if (!ok && !res.destroyed) await drained(res)
      }
    } finally {
      stream.destroy()
    }
    if (!res.destroyed) res.end()
  }

  private imageValues(offer: Offer): ImageValues {
    const ctx: TemplateContext = { query: {}, params: {}, image: this.imageFacts(offer, '') }
    const path = render(this.config.imagePath, ctx, encodeURIComponent)
    return this.imageFacts(offer, `${this.url}${path}`)
  }

  private imageFacts(offer: Offer, url: string): ImageValues {
    return {
      url,
      name: offer.image.name,
      size: String(offer.size),
      sha256: offer.image.sha256,
      sha1: offer.sha1,
      md5: offer.md5,
      version: offer.image.version,
    }
  }

  private finish(pending: Pending, completed: boolean): void {
    if (pending.recorded) return
    pending.recorded = true
    if (pending.bodyBytes !== undefined && completed) pending.bytesSent = pending.bodyBytes
    const query = redactQuery(pending.rawQuery)
    const detail: Record<string, unknown> = {
      method: pending.method,
      path: pending.path,
      query,
      headers: pending.headers,
      remote: pending.remote,
      remotePort: pending.remotePort,
      tls: pending.tls,
      route: pending.route,
      status: pending.status,
      bytesSent: pending.bytesSent,
      completed,
      durationMs: Date.now() - pending.time,
      requestBytes: pending.requestBytes,
      requestSha256: pending.requestBytes > 0 ? pending.requestHash.digest('hex') : undefined,
      responseHeaders: pending.responseHeaders,
      responseBody: pending.responseBody || undefined,
      image: pending.image,
      error: pending.error,
    }
    const summary = `${pending.method} ${pending.path} → ${pending.status || 'no answer'}${pending.route ? ` (${pending.route})` : ''}${completed ? '' : ', client went away'}`
    const id = this.record(summary, definedOnly(detail)) ?? `H${String(++this.hitSeq).padStart(6, '0')}`
    const hit: Hit = definedOnly({
      id,
      time: pending.time,
      method: pending.method,
      path: pending.path,
      query,
      headers: pending.headers,
      remote: pending.remote,
      tls: pending.tls,
      route: pending.route,
      status: pending.status,
      bytesSent: pending.bytesSent,
      completed,
    })
    // The timeline is ordered by arrival; answers can complete out of order.
    let at = this.hitLog.length
    while (at > 0 && this.hitLog[at - 1]!.time > hit.time) at--
    this.hitLog.splice(at, 0, hit)
    for (const w of [...this.waiters]) {
      if (hit.time < w.since) continue
      let match: boolean
      try {
        match = w.predicate(copyHit(hit))
      } catch (e) {
        this.waiters.delete(w)
        clearTimeout(w.timer)
        w.reject(e)
        continue
      }
      if (!match) continue
      this.waiters.delete(w)
      clearTimeout(w.timer)
      w.resolve(copyHit(hit))
    }
  }

  private record(summary: string, detail: Record<string, unknown>): string | undefined {
    return this.evidence?.record({ channel: CHANNEL, summary, detail: definedOnly(detail) })
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => {})
    return run
  }
}

// --- helpers ----------------------------------------------------------------------------------

/** Only loopback: the emulator must never be reachable from another machine. */
export function loopbackHost(host: unknown): string {
  if (typeof host !== 'string' || host === '') throw new EmulatorConfigError('update server host is missing')
  if (host.toLowerCase() === 'localhost') return '127.0.0.1'
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const family = isIP(bare)
  if (family === 4 && bare.startsWith('127.')) return bare
  // `[::1]`, `0:0:0:0:0:0:0:1` … all normalise to `::1`.
  if (family === 6 && new URL(`http://[${bare}]/`).hostname === '[::1]') return '::1'
  throw new EmulatorConfigError(`update server host ${JSON.stringify(host)} is not a loopback address; the emulator listens only on 127.0.0.0/8 or ::1`)
}

function checkTls(tls: TlsMaterial): void {
  if (typeof tls.certPem !== 'string' || typeof tls.keyPem !== 'string') throw new EmulatorConfigError('TLS needs certPem and keyPem')
  try {
    createSecureContext({ cert: tls.certPem, key: tls.keyPem })
  } catch (e) {
    throw new EmulatorConfigError(`the update server certificate or key does not load: ${(e as Error).message}`)
  }
}

function certificateFingerprint(certPem: string): string {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem)
  const der = Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64')
  return `sha256:${createHash('sha256').update(der).digest('hex')}`
}

function splitUrl(url: string): { path: string; query: Record<string, string> } {
  // Absolute-form targets (`GET http://host/path`) happen with some embedded clients.
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/' : url
  const q = target.indexOf('?')
  const rawPath = q < 0 ? target : target.slice(0, q)
  const path = rawPath.split('#')[0]!
  const query: Record<string, string> = {}
  if (q >= 0) {
    for (const [name, value] of new URLSearchParams(target.slice(q + 1).split('#')[0])) {
      if (!Object.prototype.hasOwnProperty.call(query, name)) query[name] = value
    }
  }
  return { path: path === '' ? '/' : path, query }
}

function tlsDetails(socket: Socket): Hit['tls'] {
  if (!(socket instanceof TLSSocket)) return undefined
  const servername = typeof socket.servername === 'string' ? socket.servername : undefined
  return definedOnly({ protocol: socket.getProtocol() ?? 'unknown', cipher: socket.getCipher()?.name ?? 'unknown', servername })
}

/** A single `bytes=` range; `undefined` means "ignore the header and send everything". */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m) return undefined // other units, several ranges: answering 200 is allowed
  const [, first, last] = m as unknown as [string, string, string]
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name)
}

function guessType(body: string): string {
  try {
    JSON.parse(body)
    return 'application/json'
  } catch {
    return 'text/plain; charset=utf-8'
  }
}

function errorText(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message
}

function copyHit(h: Hit): Hit {
  return { ...h, query: { ...h.query }, headers: { ...h.headers }, ...(h.tls ? { tls: { ...h.tls } } : {}) }
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
