/** Device output as it appears in messages and evidence, the same on every channel that shows it. */

/** A short, printable excerpt of an answer: JSON as it is, other text quoted, binary data as its size. */
export function excerpt(body: Buffer | string, max = 160): string {
  const text = typeof body === 'string' ? body : body.subarray(0, max * 4).toString('utf8')
  if (text.length === 0) return 'an empty body'
  const controls = [...text.slice(0, max)].filter((c) => c < ' ' && c !== '\n' && c !== '\r' && c !== '\t').length
  if (controls > 4) return `${body.length} bytes of binary data`
  const flat = text.replace(/\s+/g, ' ').trim()
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
  // JSON is recognizable as it is; other text is quoted so its end is visible.
  return /^[[{]/.test(cut) ? cut : JSON.stringify(cut)
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`
  return `${(n / 1_000_000).toFixed(1)} MB`
}
