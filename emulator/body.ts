import { isSensitive, quoteMasked, REDACTED } from '../core/mask.ts'

/** Request bodies up to this size are kept as text; status reports and inventories are far smaller. */
export const BODY_LIMIT = 64 * 1024

/** A request body as the routes and the suites read it. */
export interface RequestBody {
  text: string
  /** Present when the text is JSON (`null` included). */
  json?: { value: unknown }
}

/**
 * Collects a request body up to BODY_LIMIT bytes; beyond that only the count goes on, so a large
 * upload costs no memory.
 */
export class BodyCollector {
  private readonly chunks: Buffer[] = []
  private bytes = 0

  add(chunk: Buffer): void {
    this.bytes += chunk.length
    if (this.bytes <= BODY_LIMIT) this.chunks.push(chunk)
  }

  /** The body when it is small enough and text-like; `undefined` for none, too large, or binary. */
  finish(): RequestBody | undefined {
    if (this.bytes === 0 || this.bytes > BODY_LIMIT) return undefined
    const text = textOf(Buffer.concat(this.chunks))
    if (text === undefined) return undefined
    const json = parseJson(text)
    return json ? { text, json } : { text }
  }
}

/** Control characters other than whitespace mark binary data, whatever the content type claims. */
const BINARY = /[\u0000-\u0008\u000e-\u001f\u007f]/

/** Strict UTF-8 without binary control characters, else `undefined`. */
export function textOf(bytes: Buffer): string | undefined {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
  return BINARY.test(text) ? undefined : text
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return undefined
  }
}

/**
 * `token=…`, `"password": "…"`, `api_key: …`: a credential-like name followed by its value. The
 * name starts at a word boundary and is bounded, so a long run of letters costs linear time.
 */
const NAMED_VALUE = /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{1,64})(["']?\s{0,8}[:=]\s{0,8}["']?)([^"'&\s,;}]+)/g

/**
 * The body as evidence shows it: values under credential-like names masked (JSON keys, form
 * fields, `name=value` text), cut to `limit` characters. The hit keeps the body as sent.
 */
export function maskedExcerpt(body: RequestBody, limit: number): string {
  const masked =
    body.json && typeof body.json.value === 'object' && body.json.value !== null
      ? JSON.stringify(maskValue(body.json.value))
      : body.text.replace(NAMED_VALUE, (all, name: string, sep: string) => (isSensitive(name) ? `${name}${sep}${REDACTED}` : all))
  // `limit` characters kept, then the mark.
  return quoteMasked(masked, undefined, limit + 1)
}

function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskValue)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSensitive(k) ? REDACTED : maskValue(v)]))
}
