/**
 * Cleaning of console output, as a stream: what a terminal would show, as plain lines.
 *
 * - ANSI/VT100 escape sequences are dropped: CSI (`ESC [ … final`), strings (OSC `ESC ] … BEL|ST`,
 *   DCS, SOS, PM, APC), character-set selections (`ESC ( B`) and single-character escapes (`ESC 7`).
 * - Line ends are normalised: `\r\n`, `\n\r`, runs of `\r` before `\n`, and a lone `\r` are one
 *   line break each.
 * - NUL and the other control characters are dropped, except TAB (kept: it is white space to a
 *   regex); backspace removes the character before it, as a terminal would show it.
 *
 * Chunks may end anywhere, even inside an escape sequence; the cleaner keeps what it needs.
 */

export interface CleanLine {
  text: string
  /** Cleaning removed something from this line (an escape sequence, a control character). */
  removed: boolean
  /** Cut because it grew beyond the line limit. */
  truncated?: boolean
}

/** Longest line kept; a device printing without line breaks is cut into pieces of this size. */
export const MAX_LINE = 16 * 1024
/** Longest escape sequence followed; beyond it the sequence is abandoned and text resumes. */
const MAX_ESCAPE = 4096

const ESC = '\x1b'
const BEL = '\x07'

type EscapeState =
  | { kind: 'none' }
  /** Just saw ESC. */
  | { kind: 'esc' }
  /** Inside `ESC [`: parameter and intermediate bytes until a final byte. */
  | { kind: 'csi' }
  /** Inside `ESC <intermediate>`: until a final byte. */
  | { kind: 'nf' }
  /** Inside an OSC, DCS, SOS, PM or APC string: until BEL (OSC only) or ST (`ESC \`). */
  | { kind: 'string'; osc: boolean; sawEsc: boolean }

export class LineCleaner {
  private line = ''
  private removed = false
  private escape: EscapeState = { kind: 'none' }
  private escapeLength = 0
  /** The last line break came from CR (a following LF belongs to it) or LF (a following CR does). */
  private lastBreak: 'cr' | 'lf' | undefined

  constructor(private readonly onLine: (line: CleanLine) => void) {}

  /** The line received so far that has no line break yet (a prompt, typically). */
  get partial(): CleanLine {
    return { text: this.line, removed: this.removed }
  }

  /** Hands out the partial line and starts a new one (the console flushes it before a command). */
  takePartial(): CleanLine {
    const partial = this.partial
    this.line = ''
    this.removed = false
    return partial
  }

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!
      if (this.escape.kind !== 'none') {
        this.inEscape(c)
        continue
      }
      if (c === ESC) {
        this.startEscape({ kind: 'esc' })
        continue
      }
      if (c === '\r') {
        if (this.lastBreak === 'lf') this.lastBreak = undefined
        else if (this.lastBreak !== 'cr') this.lineBreak('cr')
        continue
      }
      if (c === '\n') {
        if (this.lastBreak === 'cr') this.lastBreak = undefined
        else this.lineBreak('lf')
        continue
      }
      const code = c.charCodeAt(0)
      if (code === 0x08) {
        // Backspace: the terminal moves back over the last character, which line editors then overwrite.
        if (this.line.length > 0) this.line = this.line.slice(0, -1)
        this.removed = true
        continue
      }
      if ((code < 0x20 && c !== '\t') || code === 0x7f || (code >= 0x80 && code <= 0x9f)) {
        this.removed = true
        continue
      }
      this.lastBreak = undefined
      this.line += c
      if (this.line.length >= MAX_LINE) this.emit(true)
    }
  }

  private lineBreak(kind: 'cr' | 'lf'): void {
    this.lastBreak = kind
    this.emit(false)
  }

  private emit(truncated: boolean): void {
    const line: CleanLine = { text: this.line, removed: this.removed }
    if (truncated) line.truncated = true
    this.line = ''
    this.removed = false
    this.onLine(line)
  }

  private startEscape(state: EscapeState): void {
    this.escape = state
    this.escapeLength = 1
    this.removed = true
  }

  private endEscape(): void {
    this.escape = { kind: 'none' }
    this.escapeLength = 0
  }

  private inEscape(c: string): void {
    const code = c.charCodeAt(0)
    if (++this.escapeLength > MAX_ESCAPE) {
      // Not a sequence a terminal would wait for: give up on it and read text again.
      this.endEscape()
      this.feed(c)
      return
    }
    const state = this.escape
    switch (state.kind) {
      case 'esc':
        if (c === '[') this.escape = { kind: 'csi' }
        else if (c === ']') this.escape = { kind: 'string', osc: true, sawEsc: false }
        else if (c === 'P' || c === 'X' || c === '^' || c === '_') this.escape = { kind: 'string', osc: false, sawEsc: false }
        else if (code >= 0x20 && code <= 0x2f) this.escape = { kind: 'nf' }
        else if (code >= 0x30 && code <= 0x7e) this.endEscape()
        else {
          // ESC followed by a control character or another ESC: the lone ESC is dropped.
          this.endEscape()
          this.feed(c)
        }
        return
      case 'csi':
        if (code >= 0x40 && code <= 0x7e) this.endEscape()
        else if (code < 0x20 || code > 0x7e) {
          // A broken sequence: drop what was seen, then treat the character as text.
          this.endEscape()
          this.feed(c)
        }
        return
      case 'nf':
        if (code >= 0x30 && code <= 0x7e) this.endEscape()
        else if (code < 0x20 || code > 0x7e) {
          this.endEscape()
          this.feed(c)
        }
        return
      case 'string':
        if (state.sawEsc) {
          if (c === '\\') this.endEscape()
          else state.sawEsc = c === ESC
        } else if (c === ESC) state.sawEsc = true
        else if (c === BEL && state.osc) this.endEscape()
        return
      case 'none':
        return
    }
  }
}

/** Cleans a whole text at once; for messages, tests and small answers. */
export function cleanText(text: string): { text: string; removed: boolean } {
  const lines: CleanLine[] = []
  const cleaner = new LineCleaner((l) => lines.push(l))
  cleaner.feed(text)
  const partial = cleaner.partial
  const all = [...lines.map((l) => l.text), ...(partial.text ? [partial.text] : [])]
  return { text: all.join('\n'), removed: lines.some((l) => l.removed) || partial.removed }
}
