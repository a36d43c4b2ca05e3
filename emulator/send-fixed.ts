import type { ServerResponse } from 'node:http'
import type { Exchange } from './exchange.ts'

/** Answers with a body held in memory (a rendered template, a short error text). */
export function sendFixed(
  res: ServerResponse,
  exchange: Exchange,
  status: number,
  headers: Record<string, string>,
  body: string,
  head: boolean,
): void {
  const bytes = Buffer.from(body, 'utf8')
  const bodyless = status === 204 || status === 304 || status < 200
  exchange.status = status
  exchange.responseHeaders = headers
  exchange.responseBody = body
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  if (!bodyless && !hasHeader(headers, 'content-length')) res.setHeader('Content-Length', bytes.length)
  res.statusCode = status
  if (head || bodyless) {
    res.end()
    return
  }
  exchange.bodyBytes = bytes.length
  res.end(bytes)
}

export const TEXT = 'text/plain; charset=utf-8'

/** `name` in lower case. */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name)
}
