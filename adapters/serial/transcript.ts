/**
 * The console's evidence (channel `serial`): every line sent and received, as it happens, with
 * its direction; received lines as cleaned text, flagged when cleaning removed something (colour
 * codes, control characters). Secrets (the login password) never appear: what ts701 sends is
 * masked, and any secret the device echoes is masked wherever it turns up.
 */
import type { Operation } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { activeMasker, Masker, quoteMasked, REDACTED } from '../../core/mask.ts'

/** Longest line text put into one evidence entry. */
const MAX_TEXT = 2000

export interface ReceivedLine {
  text: string
  removed: boolean
  truncated?: boolean
  /** A line without its line break yet (a prompt), recorded when the console moves on. */
  partial?: boolean
}

export class Transcript {
  readonly masker = new Masker()

  constructor(
    private readonly evidence: EvidenceLog,
    /** The port as named in messages, e.g. `/dev/ttyUSB0` or `tcp://127.0.0.1:4001`. */
    readonly port: string,
  ) {}

  sent(op: Operation | undefined, text: string, options: { masked?: boolean } = {}): string {
    const shown = options.masked ? REDACTED : this.masker.text(text)
    return this.evidence.record({
      channel: 'serial',
      summary: `→ ${shown}`,
      detail: {
        port: this.port,
        direction: 'sent',
        text: shown,
        ...(options.masked ? { masked: true } : {}),
        ...(op ? { operation: op } : {}),
      },
    })
  }

  received(op: Operation | undefined, line: ReceivedLine): string {
    let text = this.masker.text(line.text)
    const long = text.length > MAX_TEXT
    if (long) text = `${text.slice(0, MAX_TEXT)}…`
    return this.evidence.record({
      channel: 'serial',
      summary: `← ${text}`,
      detail: {
        port: this.port,
        direction: 'received',
        text,
        ...(line.removed ? { cleaned: true } : {}),
        ...(line.partial ? { partial: true } : {}),
        ...(line.truncated || long ? { truncated: true } : {}),
        ...(op ? { operation: op } : {}),
      },
    })
  }

  /** Something that is not a console line: the port opened or closed, an exchange's result, a transfer. */
  note(op: Operation | undefined, summary: string, detail: Record<string, unknown> = {}): string {
    return this.evidence.record(
      this.masker.value({
        channel: 'serial',
        summary: this.masker.text(summary),
        detail: { port: this.port, ...(op ? { operation: op } : {}), ...detail },
      }),
    )
  }
}

/**
 * A short excerpt of console text for messages: quoted, white space folded, cut at `max`. Secrets
 * are masked before the cut, by `masker` or else the running operation's.
 */
export function excerpt(text: string, max = 160, masker: Masker | undefined = activeMasker()): string {
  return JSON.stringify(quoteMasked(fold(quoteMasked(text, masker, Infinity)), undefined, max))
}

/** The tail of console text, for messages about what came last; masked like `excerpt`. */
export function tailExcerpt(text: string, max = 160, masker: Masker | undefined = activeMasker()): string {
  return JSON.stringify(quoteMasked(fold(quoteMasked(text, masker, Infinity)), undefined, max, 'end'))
}

function fold(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
