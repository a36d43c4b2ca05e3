import type { IncomingHttpHeaders } from 'node:http'

/** Header and query names whose values are credentials: never recorded. */
const SENSITIVE = /token|key|secret|passw|credential|auth|cookie|session/i

export const REDACTED = '***'

export function isSensitive(name: string): boolean {
  return SENSITIVE.test(name)
}

/**
 * Request headers as recorded: one string per header (repeated headers joined with `, `),
 * credentials replaced by `***`. For Authorization the scheme stays (`Bearer ***`): which scheme a
 * device uses is evidence, the credential is not.
 */
export function redactHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(', ') : value
    out[name] = isSensitive(name) ? redactValue(name, text) : text
  }
  return out
}

function redactValue(name: string, value: string): string {
  if (/^(?:proxy-)?authorization$/i.test(name)) {
    const scheme = /^([A-Za-z][A-Za-z0-9._~+/-]*)\s+\S/.exec(value)
    return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED
  }
  return REDACTED
}

/** Query parameters as recorded: credential-like names (`token`, `apiKey` …) masked. */
export function redactQuery(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(query)) out[name] = isSensitive(name) ? REDACTED : value
  return out
}
