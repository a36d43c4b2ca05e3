/**
 * One HTTP exchange with the device: the profile's template filled, credentials added, sent
 * through the adapter's transport under a timeout, and recorded in the evidence log (method,
 * URL, status, timing, sizes, SHA-256 of both bodies, masked headers; the error for failures).
 */
import { createHash } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { HttpDutProfile, RequestTemplate } from './profile.ts'
import { WaitTimer } from '../../core/duration.ts'
import { loopbackProblem } from '../../core/loopback.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import type { Masker } from '../../core/mask.ts'
import type { Answer } from '../kit/extract.ts'
import type { Vars } from '../kit/template.ts'
import { excerpt, formatBytes } from '../kit/text.ts'
import { authHeaders } from './auth.ts'
import { classify } from './failure.ts'
import { BODY_CAP } from './lenient.ts'
import { buildRequest } from './template.ts'
import { BodyProgress, type OutgoingRequest, type RawReply, type RequestBody, type Transport } from './transport.ts'

/**
 * The transport's own timeouts are backstops this much later: the exchange's timer decides, after
 * the sockets were read once more (core/duration.ts), so an answer that came in time counts.
 */
const BACKSTOP_MS = 1000

/** An exchange's time limit: aborts its request when the time is up, and says whether it did. */
class TimeLimit {
  private readonly controller = new AbortController()
  private readonly timer: WaitTimer
  timedOut = false
  readonly backstopMs: number

  constructor(timeoutMs: number) {
    this.backstopMs = timeoutMs + BACKSTOP_MS
    this.timer = new WaitTimer(timeoutMs, () => {
      this.timedOut = true
      this.abort(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))
    })
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  abort(reason: unknown): void {
    this.controller.abort(reason)
  }

  clear(): void {
    this.timer.clear()
  }
}

export interface ExchangeOptions {
  op: Operation
  template: RequestTemplate
  vars?: Vars
  /** Replaces the template's body (images). */
  body?: RequestBody
  /** Added to the template's headers (e.g. the multipart content type). */
  headers?: Record<string, string>
  /** Defaults to the operation's timeout. */
  timeoutMs?: number
  /** Readiness polls record answers only; their failed attempts are summarized by the caller. */
  recordFailures?: boolean
}

export interface HttpAnswer extends Answer {
  status: number
  /** Method and path, for messages. */
  request: string
  ms: number
  /** What had to be tolerated: early replies, lenient parsing. */
  notes: string[]
  evidenceId: string
}

/** A streamed answer (server-sent events); recorded when closed. */
export interface HttpStream {
  status: number
  headers: Record<string, string>
  request: string
  chunks: AsyncIterable<Buffer>
  close(error?: string): void
}

export interface ClientOptions {
  profile: HttpDutProfile
  evidence: EvidenceLog
  env: NodeJS.ProcessEnv
  masker: Masker
  transport: Transport
}

export class HttpClient {
  readonly base: URL
  /** The base URL without credentials, for messages. */
  readonly origin: string
  private readonly refusal?: string

  constructor(private readonly o: ClientOptions) {
    this.base = new URL(o.profile.adapter.baseUrl)
    this.origin = this.base.origin
    this.refusal = loopbackProblem(o.profile.adapter.baseUrl)
  }

  get lenient(): boolean {
    return this.o.profile.adapter.lenient
  }

  timeoutFor(op: Operation): number {
    const t = this.o.profile.adapter.timeouts
    return t.operations[op] ?? t.defaultMs
  }

  /** Everything the device says, with the body read (up to 16 MiB). Throws ExchangeFailure or DutError. */
  async exchange(o: ExchangeOptions): Promise<HttpAnswer> {
    const req = this.prepare(o)
    const timeoutMs = Math.max(1, Math.round(o.timeoutMs ?? this.timeoutFor(o.op)))
    const progress = new BodyProgress(req.body ? bodyLength(req.body) : 0)
    const limit = new TimeLimit(timeoutMs)
    const started = performance.now()
    const hash = createHash('sha256')
    const chunks: Buffer[] = []
    let received = 0
    let reply: RawReply | undefined
    const notes: string[] = []
    try {
      reply = await this.o.transport.send(req, progress, limit.signal, { headersMs: limit.backstopMs, bodyMs: limit.backstopMs })
      if (req.body && !progress.complete) notes.push(earlyReply(progress))
      for await (const chunk of reply.body) {
        hash.update(chunk)
        received += chunk.length
        if (received > BODY_CAP) {
          notes.push(`answer cut at ${BODY_CAP} bytes`)
          reply.discard()
          break
        }
        chunks.push(chunk)
      }
    } catch (err) {
      const failure = classify(err, {
        origin: this.origin,
        timeoutMs,
        timedOut: limit.timedOut,
        lenient: this.lenient,
        phase: reply ? 'body' : 'before-reply',
        sent: progress.sent,
        total: progress.total,
        uploadComplete: progress.complete,
        received,
      })
      if (o.recordFailures !== false) {
        this.record(o.op, req, progress, performance.now() - started, {
          notes: [...notes, ...(reply?.notes ?? [])],
          received,
          error: failure.message,
          ...(reply ? { reply } : {}),
        })
      }
      throw failure
    } finally {
      limit.clear()
    }
    const ms = performance.now() - started
    const body = Buffer.concat(chunks)
    notes.push(...reply.notes)
    const evidenceId = this.record(o.op, req, progress, ms, { reply, received, responseSha256: hash.digest('hex'), body, notes })
    return { status: reply.status, headers: reply.headers, body, request: describe(req), ms, notes, evidenceId }
  }

  /** Opens a streamed answer: the header must come within the timeout, the body as long as `signal` allows. */
  async stream(o: ExchangeOptions, signal: AbortSignal): Promise<HttpStream> {
    const req = this.prepare(o)
    const timeoutMs = Math.max(1, Math.round(o.timeoutMs ?? this.timeoutFor(o.op)))
    const progress = new BodyProgress(req.body ? bodyLength(req.body) : 0)
    const limit = new TimeLimit(timeoutMs)
    const onOuterAbort = () => limit.abort(signal.reason)
    signal.addEventListener('abort', onOuterAbort, { once: true })
    const started = performance.now()
    let reply: RawReply
    try {
      reply = await this.o.transport.send(req, progress, limit.signal, { headersMs: limit.backstopMs, bodyMs: 0 })
    } catch (err) {
      signal.removeEventListener('abort', onOuterAbort)
      const failure = classify(err, {
        origin: this.origin,
        timeoutMs,
        timedOut: limit.timedOut,
        lenient: this.lenient,
        phase: 'before-reply',
        sent: progress.sent,
        total: progress.total,
        uploadComplete: progress.complete,
        received: 0,
      })
      if (o.recordFailures !== false)
        this.record(o.op, req, progress, performance.now() - started, { notes: [], received: 0, error: failure.message })
      throw failure
    } finally {
      limit.clear()
    }
    const hash = createHash('sha256')
    let received = 0
    let closed = false
    const r = reply
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of r.body) {
        hash.update(chunk)
        received += chunk.length
        yield chunk
      }
    }
    return {
      status: r.status,
      headers: r.headers,
      request: describe(req),
      chunks: counted(),
      close: (error?: string) => {
        if (closed) return
        closed = true
        signal.removeEventListener('abort', onOuterAbort)
        r.discard()
        this.record(o.op, req, progress, performance.now() - started, {
          reply: r,
          received,
          responseSha256: hash.digest('hex'),
          notes: r.notes,
          streamed: true,
          ...(error ? { error } : {}),
        })
      },
    }
  }

  /** Records something seen that is not an HTTP exchange of its own (an event, a wait). */
  note(op: Operation, summary: string, detail: Record<string, unknown> = {}): string {
    return this.o.evidence.record(
      this.o.masker.value({ channel: 'http', summary: this.o.masker.text(summary), detail: { operation: op, ...detail } }),
    )
  }

  /** Throws when the profile's base URL is one ts701 must not connect to. */
  allowed(op: Operation): void {
    if (this.refusal) throw new DutError('E_DUT_REFUSED', op, this.refusal)
  }

  private prepare(o: ExchangeOptions): OutgoingRequest {
    this.allowed(o.op)
    const req = buildRequest(this.base, o.template, o.vars ?? {}, o.op, o.body)
    Object.assign(req.headers, lower(o.headers ?? {}), authHeaders(this.o.profile.adapter.auth, this.o.env, this.o.masker, o.op))
    // The URL carries no credentials: they go in headers, never in evidence.
    req.url.username = ''
    req.url.password = ''
    return req
  }

  private record(
    op: Operation,
    req: OutgoingRequest,
    progress: BodyProgress,
    ms: number,
    r: { reply?: RawReply; received: number; responseSha256?: string; body?: Buffer; notes: string[]; error?: string; streamed?: boolean },
  ): string {
    const mask = this.o.masker
    const status = r.reply?.status
    const size = progress.sent > 0 ? progress.sent : r.received
    const took = `${formatBytes(size)} in ${Math.round(ms)} ms`
    const outcome = r.error ? `${r.error} (${took})` : r.streamed ? `${status} (stream, ${took})` : `${status} (${took})`
    const detail: Record<string, unknown> = {
      operation: op,
      method: req.method,
      url: mask.url(req.url),
      ...(status !== undefined ? { status, statusText: r.reply?.statusText || STATUS_CODES[status] || '' } : {}),
      ms: Math.round(ms),
      requestBytes: progress.sent,
      ...(progress.total !== progress.sent ? { requestBytesDeclared: progress.total } : {}),
      requestSha256: progress.sha256(),
      responseBytes: r.received,
      ...(r.responseSha256 ? { responseSha256: r.responseSha256 } : {}),
      requestHeaders: mask.headers(req.headers),
      ...(r.reply ? { responseHeaders: mask.headers(r.reply.headers) } : {}),
      ...(r.body && r.body.length > 0 ? { responseExcerpt: excerpt(r.body, 300, mask) } : {}),
      ...(r.notes.length > 0 ? { notes: r.notes } : {}),
      ...(r.error ? { error: r.error } : {}),
    }
    return this.o.evidence.record(mask.value({ channel: 'http', summary: mask.text(`${describe(req)} → ${outcome}`), detail }))
  }
}

/** Non-2xx answers stop an operation: 401/403 as refused credentials, 503 as a device not there yet, the rest as protocol errors. */
export function expectOk(answer: HttpAnswer, op: Operation): void {
  if (answer.status >= 200 && answer.status < 300) return
  const status = `${answer.status} ${STATUS_CODES[answer.status] ?? ''}`.trim()
  if (answer.status === 401 || answer.status === 403) {
    throw new DutError('E_DUT_REFUSED', op, `the device refused ${answer.request} (${status}); check adapter.auth and the credentials`)
  }
  // Unavailable for now (restarting, busy): a caller that waits for the device asks again.
  if (answer.status === 503)
    throw new DutError('E_DUT_UNREACHABLE', op, `the device is unavailable for now: ${answer.request} answered ${status}`)
  throw new DutError(
    'E_DUT_PROTOCOL',
    op,
    `expected a 2xx answer to ${answer.request}, got ${status}${answer.body.length > 0 ? `: ${excerpt(answer.body)}` : ''}`,
  )
}

export function statusText(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim()
}

function earlyReply(progress: BodyProgress): string {
  return `the device answered before the request body was sent (${progress.sent} of ${progress.total} bytes)`
}

function describe(req: OutgoingRequest): string {
  return `${req.method} ${req.url.pathname}${req.url.search}`
}

function bodyLength(body: RequestBody): number {
  return body.kind === 'bytes' ? body.data.length : body.length
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]))
}
