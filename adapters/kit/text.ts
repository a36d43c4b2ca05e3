import { activeMasker, quoteMasked, type Masker } from '../../core/mask.ts'
/** Device output as it appears in messages and evidence, the same on every channel that shows it. */

/**
 * A short, printable excerpt of an answer: JSON as it is, other text quoted, binary data as its size.
 * Secrets are masked before the cut (`quoteMasked`): by `masker`, else by the running operation's.
 */
export function excerpt(body: Buffer | string, max = 160, masker: Masker | undefined = activeMasker()): string {
  // Enough bytes for `max` characters plus a secret that starts just before the cut.
  const longest = masker?.longest ?? 0
  const window = (max + longest) * 4
  const windowed = typeof body !== 'string' && body.length > window
  let text = typeof body === 'string' ? body : body.subarray(0, window).toString('utf8')
  if (text.length === 0) return 'an empty body'
  const controls = [...text.slice(0, max)].filter((c) => c < ' ' && c !== '\n' && c !== '\r' && c !== '\t').length
  if (controls > 4) return `${body.length} bytes of binary data`
  text = quoteMasked(text, masker, Infinity)
  // What is left of a secret the window cut ends the text and is shorter than the longest one.
  if (windowed) text = text.slice(0, text.length - longest)
  const flat = text.replace(/\s+/g, ' ').trim()
  const cut = windowed && flat.length < max ? `${flat}…` : quoteMasked(flat, undefined, max)
  // JSON is recognizable as it is; other text is quoted so its end is visible.
  return /^[[{]/.test(cut) ? cut : JSON.stringify(cut)
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`
  return `${(n / 1_000_000).toFixed(1)} MB`
}
