/**
 * Why a step with the broker failed, in words fit for a report, and which DutError code that
 * means: no broker (unreachable), a broker that went away (closed), credentials or subscriptions
 * it refused, TLS that did not work, a step that did not finish in time, or a device that never
 * answered (no-reply, which deliveries tolerate).
 */
import { DutError, type DutErrorCode, type Operation } from '../../core/dut.ts'
import { ExtractError } from '../kit/extract.ts'
import { missByCode, type Miss } from '../kit/miss.ts'

export type MqttFailureKind = 'timeout' | 'no-reply' | 'unreachable' | 'closed' | 'refused' | 'tls' | 'protocol'

export class MqttFailure extends Error {
  constructor(
    readonly kind: MqttFailureKind,
    message: string,
  ) {
    super(message)
  }

  toDutError(op: Operation): DutError {
    return new DutError(CODES[this.kind], op, this.message)
  }
}

const CODES: Record<MqttFailureKind, DutErrorCode> = {
  timeout: 'E_DUT_TIMEOUT',
  'no-reply': 'E_DUT_TIMEOUT',
  unreachable: 'E_DUT_UNREACHABLE',
  closed: 'E_DUT_UNREACHABLE',
  refused: 'E_DUT_REFUSED',
  tls: 'E_DUT_PROTOCOL',
  protocol: 'E_DUT_PROTOCOL',
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EADDRNOTAVAIL: 'address not available',
  EPIPE: 'connection closed',
}

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3) and the MQTT 5 reason codes that mean the same. */
const CONNACK: Record<number, { kind: MqttFailureKind; text: string }> = {
  1: { kind: 'protocol', text: 'unacceptable protocol version' },
  2: { kind: 'refused', text: 'client identifier rejected; check adapter.clientId' },
  3: { kind: 'unreachable', text: 'server unavailable' },
  4: { kind: 'refused', text: 'bad user name or password; check adapter.auth and the password' },
  5: { kind: 'refused', text: 'not authorized; check adapter.auth and the password' },
  0x85: { kind: 'refused', text: 'client identifier rejected; check adapter.clientId' },
  0x86: { kind: 'refused', text: 'bad user name or password; check adapter.auth and the password' },
  0x87: { kind: 'refused', text: 'not authorized; check adapter.auth and the password' },
  0x88: { kind: 'unreachable', text: 'server unavailable' },
  0x89: { kind: 'unreachable', text: 'server busy' },
  0x8a: { kind: 'refused', text: 'banned' },
  0x8c: { kind: 'refused', text: 'bad authentication method' },
}

/** Failures of the broker layer and of extraction, as the DutError the suites expect. */
export function asDutError(op: Operation, err: unknown): unknown {
  if (err instanceof MqttFailure) return err.toDutError(op)
  if (err instanceof ExtractError) return new DutError('E_DUT_PROTOCOL', op, err.message)
  return err
}

/**
 * A failure during a wait, read by the kit's rule (kit/miss.ts): a broker that went away counts
 * as no answer (a device may take its broker down with it), TLS that fails ends the wait (it is
 * the lab's set-up, and waiting does not fix it).
 */
export function mqttMiss(op: Operation): (err: unknown) => Miss | undefined {
  return (err) => (err instanceof MqttFailure && err.kind === 'tls' ? undefined : missByCode(asDutError(op, err)))
}

/** A failure to connect, as the broker at `shown` caused it. */
export function classifyConnect(err: unknown, shown: string, timeoutMs: number): MqttFailure {
  const code = codeOf(err)
  const text = err instanceof Error ? err.message : String(err)
  if (typeof code === 'number') {
    const known = CONNACK[code]
    if (known) return new MqttFailure(known.kind, `the broker at ${shown} refused the connection (${known.text})`)
    return new MqttFailure('refused', `the broker at ${shown} refused the connection (${text})`)
  }
  if (/connack timeout/i.test(text))
    return new MqttFailure('timeout', `no answer (CONNACK) from the broker at ${shown} within ${timeoutMs} ms`)
  const unreachable = code ? UNREACHABLE[code] : undefined
  if (unreachable) return new MqttFailure('unreachable', `cannot reach the broker at ${shown} (${unreachable})`)
  if ((code && /^ERR_(TLS|SSL)|CERT|SIGNATURE|SELF_SIGNED|ISSUER/.test(code)) || /\bTLS\b|certificate|\bSSL\b/i.test(text)) {
    const reason = tlsReason(text)
    const hint = /certificate required/i.test(reason)
      ? 'the broker wants a client certificate: set adapter.tls.certFile and keyFile'
      : 'check adapter.tls'
    return new MqttFailure('tls', `TLS with the broker at ${shown} failed (${reason}); ${hint}`)
  }
  if (/Unexpected server response/i.test(text)) return new MqttFailure('protocol', `the WebSocket at ${shown} was refused (${text})`)
  return new MqttFailure('unreachable', `cannot reach the broker at ${shown} (${text})`)
}

/** OpenSSL's reason out of its error string (`…:SSL routines:function:reason:file:line…`). */
function tlsReason(text: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(text)
  return (openssl?.[1] ?? text).replace(/\s+/g, ' ').trim()
}

function codeOf(err: unknown): string | number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; cause?: unknown }
    if (typeof e.code === 'string' || typeof e.code === 'number') return e.code
    if (e.cause) return codeOf(e.cause)
  }
  return undefined
}
