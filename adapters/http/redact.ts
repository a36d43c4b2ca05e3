/**
 * Credentials never reach evidence, errors or logs. Headers that carry them are masked by name,
 * user:password is cut from URLs, and the secret values the adapter has read are masked wherever
 * else they might turn up (a device echoing a token in an error page, say).
 */

const MASK = '***'
const SENSITIVE_HEADER = /authorization|cookie|token|key|secret|password|passw|credential|session/i

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADER.test(name)
}

export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//')
  }
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

/** Masks known secret values, and headers by name (plus the auth header the profile names). */
export class Redactor {
  private secrets: string[] = []
  private readonly headerNames = new Set<string>()

  /** Remembers secret values as they are read; values shorter than 3 characters are not searched. */
  addSecret(...values: string[]): void {
    const more = values.filter((v) => v.length >= 3 && !this.secrets.includes(v))
    if (more.length === 0) return
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...this.secrets, ...more].sort((a, b) => b.length - a.length)
  }

  /** A header that carries a credential whatever its name, e.g. the one `auth.kind: header` names. */
  addHeader(name: string): void {
    this.headerNames.add(name.toLowerCase())
  }

  text(text: string): string {
    return this.secrets.reduce((t, s) => t.split(s).join(MASK), text)
  }

  headers(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      out[name] = isSensitiveHeader(name) || this.headerNames.has(name.toLowerCase()) ? MASK : this.text(value)
    }
    return out
  }

  url(url: string | URL): string {
    return this.text(redactUrl(url))
  }

  /** Any JSON-able value, e.g. an evidence detail, with every secret value masked. */
  value<T>(value: T): T {
    if (this.secrets.length === 0) return value
    return JSON.parse(this.secrets.reduce((t, s) => t.split(JSON.stringify(s).slice(1, -1)).join(MASK), JSON.stringify(value))) as T
  }
}

/** A short, printable excerpt of a body for messages and evidence. */
export function excerpt(body: Buffer | string, max = 160): string {
  const text = typeof body === 'string' ? body : body.subarray(0, max * 4).toString('utf8')
  if (text.length === 0) return 'an empty body'
  const controls = [...text.slice(0, max)].filter((c) => c < ' ' && c !== '\n' && c !== '\r' && c !== '\t').length
  if (controls > 4) return `${typeof body === 'string' ? body.length : body.length} bytes of binary data`
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
