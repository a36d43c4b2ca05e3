import { createHash } from 'node:crypto'
import { request } from 'undici'
import type { EvidenceLog } from '../core/evidence.ts'
import { isLoopbackHost } from '../core/loopback.ts'
import { redactUrl } from '../core/mask.ts'

export interface WebPage {
  url: string
  status: number
  /** Where a redirect pointed, when the page answered with one (it is not followed). */
  location?: string
  text: string
  evidence: string
}

export class WebFetchError extends Error {
  constructor(
    readonly code: 'E_WEB_NOT_LOOPBACK' | 'E_WEB_UNREACHABLE',
    message: string,
  ) {
    super(message)
  }
}

const MAX_BYTES = 2 * 1024 * 1024

/**
 * Fetches a publication the way a user without an account would: no credentials, no cookies,
 * redirects reported rather than followed (a redirect to a login page is itself the finding).
 */
export async function fetchPage(url: string, evidence: EvidenceLog, timeoutMs = 10_000): Promise<WebPage> {
  const parsed = new URL(url)
  if (!isLoopbackHost(parsed.hostname)) {
    throw new WebFetchError(
      'E_WEB_NOT_LOOPBACK',
      `${url} is not a loopback address; ts701 contacts only loopback targets — check the publication by hand or map it in the profile's publications`,
    )
  }
  const started = Date.now()
  const shown = redactUrl(url)
  try {
    const res = await request(url, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    })
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body) {
      size += chunk.length
      if (size > MAX_BYTES) break
      chunks.push(chunk as Buffer)
    }
    const body = Buffer.concat(chunks)
    const location = typeof res.headers.location === 'string' ? res.headers.location : undefined
    const id = evidence.record({
      channel: 'web',
      summary: `GET ${parsed.pathname} → ${res.statusCode}${location ? ` (to ${location})` : ''}`,
      detail: {
        url: shown,
        status: res.statusCode,
        ms: Date.now() - started,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      },
    })
    return { url, status: res.statusCode, ...(location && { location }), text: body.toString('utf8'), evidence: id }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    evidence.record({ channel: 'web', summary: `GET ${parsed.pathname} failed`, detail: { url: shown, error: message } })
    throw new WebFetchError('E_WEB_UNREACHABLE', `${url} could not be fetched: ${message}`)
  }
}
