/**
 * Credentials never reach evidence, reports or errors. One set of rules for every channel and
 * the update-server emulator: header and query names that carry credentials are masked by name
 * (Authorization keeps its scheme: which scheme a device uses is evidence, the credential is
 * not), user:password is cut from URLs, and secret values are masked wherever else they turn up
 * (a device echoing a token in an error page, say).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { IncomingHttpHeaders } from 'node:http'

export const REDACTED = '***'

/** Header and query names whose values are credentials. */
const SENSITIVE = /token|key|secret|passw|credential|auth|cookie|session/i
const AUTHORIZATION = /^(?:proxy-)?authorization$/i
/** Shorter values would mask ordinary text (`on`, `1`) all over the evidence. */
const MIN_SECRET_LENGTH = 3

export function isSensitive(name: string): boolean {
  return SENSITIVE.test(name)
}

/** A credential header's value as recorded: `Bearer ***` for Authorization, `***` otherwise. */
function maskHeaderValue(name: string, value: string): string {
  if (AUTHORIZATION.test(name)) {
    const scheme = /^([A-Za-z][A-Za-z0-9._~+/-]*)\s+\S/.exec(value)
    return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED
  }
  return REDACTED
}

/** Request headers as recorded: one string per header (repeated ones joined with `, `), credentials masked. */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(', ') : value
    out[name] = isSensitive(name) ? maskHeaderValue(name, text) : text
  }
  return out
}

/** Query parameters as recorded: credential-like names (`token`, `apiKey` …) masked. */
export function redactQuery(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) out[name] = isSensitive(name) ? REDACTED : value
  return out
}

/**
 * A URL as recorded: without user:password, credential-like query parameters masked. The rest of
 * the query is kept as written, so the evidence shows the request that went out.
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = new URL(String(url))
  } catch {
    return String(url).replace(/\/\/[^/@]*@/, '//')
  }
  parsed.username = ''
  parsed.password = ''
  if (parsed.search.length > 1) parsed.search = maskQueryString(parsed.search.slice(1))
  return parsed.toString()
}

function maskQueryString(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq < 0) return pair
      return isSensitive(decodeQueryName(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${REDACTED}` : pair
    })
    .join('&')
}

function decodeQueryName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '))
  } catch {
    return name
  }
}

/** Masks the secret values it was given, and headers by name (plus those a profile names). */
export class Masker {
  private secrets: string[] = []
  private readonly headerNames = new Set<string>()

  constructor(secrets: Iterable<string> = []) {
    this.addSecret(...secrets)
  }

  /** Remembers secret values as they are read. */
  addSecret(...values: string[]): void {
    const more = values.filter((v) => v.length >= MIN_SECRET_LENGTH && !this.secrets.includes(v))
    if (more.length === 0) return
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set([...this.secrets, ...more])].sort((a, b) => b.length - a.length)
  }

  /** A header that carries a credential whatever its name, e.g. the one `auth.kind: header` names. */
  addHeader(name: string): void {
    this.headerNames.add(name.toLowerCase())
  }

  /** Text with every secret masked, as it is and as it appears inside a JSON string. */
  text(text: string): string {
    return this.secrets.reduce((t, s) => {
      const masked = t.split(s).join(REDACTED)
      const escaped = jsonEscaped(s)
      return escaped === s ? masked : masked.split(escaped).join(REDACTED)
    }, text)
  }

  /** A JSON copy of the value (an evidence entry, a device's answer) with every secret masked. */
  value<T>(value: T): T {
    if (value === undefined) return value
    // Only the escaped form: a raw secret matched across JSON syntax would break the document.
    const json = this.secrets.reduce((t, s) => t.split(jsonEscaped(s)).join(REDACTED), JSON.stringify(value))
    return JSON.parse(json) as T
  }

  /** Headers as recorded: credential headers masked by name, secret values masked in the rest. */
  headers(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(headers)) {
      if (this.headerNames.has(name.toLowerCase())) out[name] = REDACTED
      else if (isSensitive(name)) out[name] = maskHeaderValue(name, value)
      else out[name] = this.text(value)
    }
    return out
  }

  url(url: string | URL): string {
    return this.text(redactUrl(url))
  }

  /** The longest secret, in characters: how far past a cut a secret may reach. */
  get longest(): number {
    return this.secrets[0]?.length ?? 0
  }
}

/** Where a quote keeps its text when it is cut: the start (`abc…`) or the end (`…xyz`). */
export type QuoteEnd = 'start' | 'end'

/**
 * Device output as messages and evidence quote it: secrets masked in the WHOLE text first, then
 * cut to `max` characters with `…` marking the cut. Masking after the cut would miss a secret that
 * straddles it, and its first (or last) characters would reach every report. Every place that
 * quotes device output cuts it here.
 */
export function quoteMasked(text: string, secrets: Masker | Iterable<string> | undefined, max: number, keep: QuoteEnd = 'start'): string {
  const masker = secrets === undefined ? undefined : secrets instanceof Masker ? secrets : new Masker(secrets)
  return cut(masker ? masker.text(text) : text, max, keep)
}

function cut(text: string, max: number, keep: QuoteEnd): string {
  if (text.length <= max) return text
  const room = Math.max(0, max - 1)
  if (keep === 'end') {
    let start = text.length - room
    // Half a surrogate pair is not text.
    if (/[\uDC00-\uDFFF]/.test(text.charAt(start))) start++
    return `…${text.slice(start)}`
  }
  let end = room
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end--
  return `${text.slice(0, end)}…`
}

/**
 * The masker of the device operation under way. Errors thrown deep inside an operation (an
 * extraction that found nothing) quote the device's answer without a masker at hand; they find the
 * operation's masker here, so they too mask before they cut.
 */
const current = new AsyncLocalStorage<Masker>()

export function withMasker<T>(masker: Masker, work: () => T): T {
  return current.run(masker, work)
}

export function activeMasker(): Masker | undefined {
  return current.getStore()
}

function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1)
}
