/**
 * Why an exchange failed, in words fit for a report, and what that means for the operation:
 * no answer (timeout), no device (unreachable), an answer that breaks HTTP (protocol, with the
 * hint to try lenient mode), or a connection the device closed (which deliver-image tolerates).
 */
import { DutError, type DutErrorCode, type Operation } from '../../core/dut.ts'

/**
 * `dropped`: the device closed the connection without answering (it may be restarting), which
 * counts as not reachable; `closed`: it closed during the upload or in the middle of its answer.
 */
export type FailureKind = 'timeout' | 'unreachable' | 'dropped' | 'closed' | 'malformed' | 'tls' | 'request'

/** Raised by the request layer; operations turn it into a DutError or, for deliveries, a receipt. */
export class ExchangeFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message)
  }

  toDutError(op: Operation): DutError {
    return new DutError(CODES[this.kind], op, this.message)
  }
}

const CODES: Record<FailureKind, DutErrorCode> = {
  timeout: 'E_DUT_TIMEOUT',
  unreachable: 'E_DUT_UNREACHABLE',
  dropped: 'E_DUT_UNREACHABLE',
  closed: 'E_DUT_PROTOCOL',
  malformed: 'E_DUT_PROTOCOL',
  tls: 'E_DUT_PROTOCOL',
  request: 'E_DUT_PROTOCOL',
}

export const LENIENT_HINT = 'set adapter.lenient: true'

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EADDRNOTAVAIL: 'address not available',
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])
const CLOSED = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNABORTED',
  'E_CLOSED_BEFORE_REPLY',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
])

export interface FailureContext {
  origin: string
  timeoutMs: number
  /** Our own timer fired. */
  timedOut: boolean
  lenient: boolean
  /** Where the exchange was when it failed. */
  phase: 'before-reply' | 'body'
  sent: number
  total: number
  uploadComplete: boolean
  received: number
}

export function classify(err: unknown, ctx: FailureContext): ExchangeFailure {
  const code = codeOf(err)
  const text = messageOf(err)
  const hint = ctx.lenient ? '' : `; ${LENIENT_HINT}`
  if (ctx.timedOut || TIMEOUTS.has(code)) {
    return new ExchangeFailure(
      'timeout',
      ctx.phase === 'body'
        ? `the answer from ${ctx.origin} did not complete within ${ctx.timeoutMs} ms (${ctx.received} bytes came)`
        : `no answer from ${ctx.origin} within ${ctx.timeoutMs} ms`,
    )
  }
  const unreachable = UNREACHABLE[code]
  if (unreachable) return new ExchangeFailure('unreachable', `cannot reach ${ctx.origin} (${unreachable})`)
  if (code.startsWith('HPE_') || isParserError(err) || code.startsWith('E_LENIENT_')) {
    return new ExchangeFailure('malformed', `the device's HTTP is malformed (${text})${hint}`)
  }
  if (CLOSED.has(code)) {
    if (ctx.total > 0 && !ctx.uploadComplete && ctx.phase === 'before-reply') {
      return new ExchangeFailure('closed', `connection closed by the device during upload after ${ctx.sent} bytes`)
    }
    if (ctx.phase === 'body') {
      return new ExchangeFailure(
        'closed',
        `connection closed by the device in the middle of its answer (after ${ctx.received} bytes of the body)${hint}`,
      )
    }
    const after = ctx.total > 0 ? ` (after the whole request body of ${ctx.total} bytes was sent)` : ''
    return new ExchangeFailure('dropped', `connection closed by the device before it answered${after}`)
  }
  if (code.startsWith('ERR_TLS') || /CERT|SSL|TLS/.test(code)) {
    return new ExchangeFailure('tls', `TLS with ${ctx.origin} failed (${text}); check adapter.tls`)
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_HTTP_TOKEN') {
    return new ExchangeFailure('request', `cannot send the request (${text}); check the request template`)
  }
  return new ExchangeFailure('closed', `exchange with ${ctx.origin} failed (${text})`)
}

function codeOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; cause?: unknown }
    if (typeof e.code === 'string') return e.code
    if (e.cause) return codeOf(e.cause)
  }
  return ''
}

function isParserError(err: unknown): boolean {
  return err instanceof Error && err.name === 'HTTPParserError'
}

function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  // undici's parser wraps the reason in a sentence; the reason in parentheses is what helps.
  const inner = /\(([^()]+)\)\s*$/.exec(message)
  return (inner?.[1] ?? message).replace(/\s+/g, ' ').trim()
}
