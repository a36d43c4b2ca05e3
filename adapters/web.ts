import { createHash } from 'node:crypto'
import type { EvidenceLog } from '../core/evidence.ts'
import { isLoopbackHost } from '../core/loopback.ts'
import { redactUrl } from '../core/mask.ts'

/** One answer on the way to a page: the address asked, its status and, for a redirect, where it pointed. */
export interface WebHop {
  url: string
  status: number
  location?: string
  /** Evidence entry of this answer. */
  evidence: string
}

/** Why a chain of redirects was not followed to its end; the page is then the last answer read. */
export interface RedirectStop {
  code: 'off-loopback' | 'loop' | 'too-many' | 'no-location' | 'bad-location'
  /** A sentence naming the chain, for reasons. */
  reason: string
}

export interface WebPage {
  /** The address asked first. */
  url: string
  /** The address of the last answer (after the redirects followed). */
  finalUrl: string
  /** Status of the last answer. */
  status: number
  /** Where the last answer redirected, when it is a redirect that was not followed. */
  location?: string
  /** Every answer in order, the first request's included; more than one when redirects were followed. */
  hops: WebHop[]
  /** Set when a redirect was left unfollowed (off loopback, a loop, too many hops). */
  stopped?: RedirectStop
  /** Body of the last answer, at most MAX_PAGE_BYTES of it. */
  text: string
  /** The last answer's body was longer than the read limit and was cut there. */
  truncated: boolean
  /** Bytes of the last answer's body read (the limit, when truncated). */
  bytes: number
  /** Evidence entries of every answer, in order. */
  evidence: string[]
}

export class WebFetchError extends Error {
  constructor(
    readonly code: 'E_WEB_NOT_LOOPBACK' | 'E_WEB_UNREACHABLE',
    message: string,
  ) {
    super(message)
  }
}

/** Beyond this a page is not read further: a publication is text, and memory is bounded. */
export const MAX_PAGE_BYTES = 2 * 1024 * 1024
/** A user's browser follows a few redirects; more than this is treated as a broken chain. */
export const MAX_REDIRECTS = 5

export interface FetchOptions {
  timeoutMs?: number
  maxBytes?: number
  maxRedirects?: number
}

interface Answer {
  status: number
  location?: string
  body: Buffer
  truncated: boolean
}

async function get(url: string, timeoutMs: number, maxBytes: number): Promise<Answer> {
  // undici loads with the first page fetched: the suite files that may fetch one load in every run.
  const { request } = await import('undici')
  const res = await request(url, {
    method: 'GET',
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  })
  const chunks: Buffer[] = []
  let size = 0
  let truncated = false
  for await (const chunk of res.body) {
    const b = chunk as Buffer
    if (size + b.length > maxBytes) {
      chunks.push(b.subarray(0, maxBytes - size))
      truncated = true
      break
    }
    size += b.length
    chunks.push(b)
  }
  if (truncated) res.body.destroy()
  const location = typeof res.headers.location === 'string' ? res.headers.location : undefined
  return { status: res.statusCode, ...(location !== undefined && { location }), body: Buffer.concat(chunks), truncated }
}

const isRedirect = (status: number): boolean => status >= 300 && status < 400 && status !== 304
const withoutFragment = (u: URL): string => u.href.replace(/#.*$/, '')
const chainText = (urls: string[]): string => urls.map((u) => redactUrl(u)).join(' → ')

/**
 * Fetches a publication the way a user without an account would: no credentials, no cookies.
 * Redirects are followed a few times and only within loopback (ts701 contacts nothing else); a
 * chain that leaves loopback, loops or goes on too long stops there, and the page says why. Every
 * answer is an evidence entry, a body cut at the read limit says so in its entry.
 */
export async function fetchPage(url: string, evidence: EvidenceLog, options: FetchOptions = {}): Promise<WebPage> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxBytes = options.maxBytes ?? MAX_PAGE_BYTES
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS
  const first = new URL(url)
  if (!isLoopbackHost(first.hostname)) {
    throw new WebFetchError(
      'E_WEB_NOT_LOOPBACK',
      `${url} is not a loopback address; ts701 contacts only loopback targets — check the publication by hand or map it in the profile's publications`,
    )
  }
  const hops: WebHop[] = []
  const visited = new Set<string>()
  const chain: string[] = []
  let current = first
  for (;;) {
    const asked = hops.length === 0 ? url : current.href
    chain.push(asked)
    visited.add(withoutFragment(current))
    const started = Date.now()
    const shown = redactUrl(asked)
    let answer: Answer
    try {
      answer = await get(asked, timeoutMs, maxBytes)
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      evidence.record({ channel: 'web', summary: `GET ${current.pathname} failed`, detail: { url: shown, error: message } })
      const via = hops.length ? ` (after ${chainText(chain.slice(0, -1))})` : ''
      throw new WebFetchError('E_WEB_UNREACHABLE', `${asked} could not be fetched${via}: ${message}`)
    }
    const { status, location, body, truncated } = answer
    const id = evidence.record({
      channel: 'web',
      summary: `GET ${current.pathname} → ${status}${location !== undefined ? ` (to ${redactUrl(location)})` : ''}${truncated ? ` (cut at ${maxBytes} bytes)` : ''}`,
      detail: {
        url: shown,
        status,
        ms: Date.now() - started,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        ...(location !== undefined && { location: redactUrl(location) }),
        // The hash is then of the first maxBytes bytes only: the rest was never read.
        ...(truncated && { truncated: true, limitBytes: maxBytes }),
      },
    })
    hops.push({ url: asked, status, ...(location !== undefined && { location }), evidence: id })
    const page = (stopped?: RedirectStop): WebPage => ({
      url,
      finalUrl: asked,
      status,
      ...(location !== undefined && { location }),
      hops,
      ...(stopped && { stopped }),
      text: body.toString('utf8'),
      truncated,
      bytes: body.length,
      evidence: hops.map((h) => h.evidence),
    })
    if (!isRedirect(status)) return page()
    if (location === undefined) {
      return page({ code: 'no-location', reason: `${chainText(chain)} answered ${status} without saying where to` })
    }
    let next: URL
    try {
      next = new URL(location, current)
    } catch {
      return page({ code: 'bad-location', reason: `${chainText(chain)} redirects to ${redactUrl(location)}, which is not an address` })
    }
    const onward = `${chainText(chain)} → ${redactUrl(next.href)}`
    if (!isLoopbackHost(next.hostname) || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
      return page({ code: 'off-loopback', reason: `the redirects lead off loopback (${onward}); ts701 does not follow them there` })
    }
    if (visited.has(withoutFragment(next))) return page({ code: 'loop', reason: `the redirects loop (${onward})` })
    if (hops.length > maxRedirects) {
      return page({ code: 'too-many', reason: `more than ${maxRedirects} redirects (${onward})` })
    }
    current = next
  }
}
