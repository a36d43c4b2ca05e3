/**
 * Evidence of the MQTT channel: every message ts701 publishes and every message it receives
 * (direction, topic, QoS, retain flag, size, SHA-256, and a short excerpt of small text payloads),
 * and the connection's life (connect, subscribe, close). The password never appears: every entry
 * goes through the masker, which knows it once it has been read.
 */
import { createHash } from 'node:crypto'
import type { Operation } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import type { Masker } from '../../core/mask.ts'
import { excerpt, formatBytes } from '../kit/text.ts'

/** Payloads up to this size that are text get an excerpt in the evidence. */
const EXCERPT_MAX_BYTES = 4096

export interface OutgoingMessage {
  topic: string
  payload: Buffer
  qos: 0 | 1 | 2
  retain: boolean
}

export interface IncomingMessage extends OutgoingMessage {
  /** The evidence entry that recorded it. */
  evidence: string
}

export class Recorder {
  constructor(
    private readonly evidence: EvidenceLog,
    readonly masker: Masker,
  ) {}

  /** A message ts701 publishes, recorded as it is sent. */
  out(op: Operation, m: OutgoingMessage, extra: Record<string, unknown> = {}): string {
    const flags = `qos ${m.qos}${m.retain ? ', retain' : ''}`
    return this.write(`${op}: → ${m.topic} (${flags}, ${formatBytes(m.payload.length)})`, {
      operation: op,
      direction: 'out',
      ...describe(m),
      ...extra,
    })
  }

  /** A message received; `takenBy` are the operations it answered, `ignoredBy` those it did not match. */
  in(m: OutgoingMessage, takenBy: string[], ignoredBy: string[]): string {
    const flags = `qos ${m.qos}${m.retain ? ', retained' : ''}`
    const fate = takenBy.length > 0 ? ` → ${takenBy.join(', ')}` : ignoredBy.length > 0 ? ' (ignored: no match)' : ''
    return this.write(`← ${m.topic} (${flags}, ${formatBytes(m.payload.length)})${fate}`, {
      direction: 'in',
      ...describe(m),
      ...(takenBy.length > 0 ? { takenBy } : {}),
      ...(ignoredBy.length > 0 ? { ignoredBy } : {}),
    })
  }

  note(op: Operation | undefined, summary: string, detail: Record<string, unknown> = {}): string {
    return this.write(op ? `${op}: ${summary}` : summary, { ...(op ? { operation: op } : {}), ...detail })
  }

  private write(summary: string, detail: Record<string, unknown>): string {
    return this.evidence.record(this.masker.value({ channel: 'mqtt', summary: this.masker.text(summary), detail }))
  }
}

function describe(m: OutgoingMessage): Record<string, unknown> {
  const shown = printable(m.payload)
  return {
    topic: m.topic,
    qos: m.qos,
    retain: m.retain,
    bytes: m.payload.length,
    sha256: createHash('sha256').update(m.payload).digest('hex'),
    ...(shown !== undefined ? { excerpt: shown } : {}),
  }
}

/** A short excerpt of a small text payload; nothing for binary or large ones. */
export function printable(payload: Buffer, max = 300): string | undefined {
  if (payload.length === 0 || payload.length > EXCERPT_MAX_BYTES) return undefined
  const text = payload.toString('utf8')
  if (text.includes('\uFFFD')) return undefined
  const shown = excerpt(text, max)
  return /^\d+ bytes of binary data$/.test(shown) ? undefined : shown
}
