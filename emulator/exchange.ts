import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { redactHeaders } from '../core/mask.ts'
import { BodyCollector, type RequestBody } from './body.ts'
import { tlsDetails, type TlsDetails } from './tls.ts'

/** One request and what was answered, filled in as it goes; recorded once when it ends. */
export interface Exchange {
  readonly time: number
  readonly method: string
  readonly path: string
  /** As received; the recorder masks credentials. */
  readonly rawQuery: Record<string, string>
  /** Already redacted. */
  readonly headers: Record<string, string>
  readonly remote: string
  readonly remotePort?: number
  readonly tls?: TlsDetails
  readonly res: ServerResponse
  route?: string
  status: number
  bytesSent: number
  /** For fixed bodies: counted once the answer is complete. */
  bodyBytes?: number
  requestBytes: number
  /** Set when the exchange ends, if the request had a body. */
  requestSha256?: string
  /** Set once the whole request is in: its body when small and text-like (`body.ts`). */
  body?: RequestBody
  responseHeaders?: Record<string, string>
  responseBody?: string
  /** `part`: the companion file served, when not the image's main file. */
  image?: { name: string; version: string; part?: string; range?: string }
  error?: string
}

export type ExchangeEnded = (exchange: Exchange, completed: boolean) => void

/**
 * Starts the exchange for a request and calls `ended` exactly once: on 'finish' (the whole answer
 * is handed to the connection, so normally before the client has read it all) or on 'close' when
 * the connection went away first. `received` is called once the whole request is in, with its
 * body on the exchange.
 */
export function openExchange(req: IncomingMessage, res: ServerResponse, ended: ExchangeEnded, received: () => void): Exchange {
  const socket = req.socket
  const { path, query } = splitUrl(req.url ?? '/')
  const exchange: Exchange = {
    time: Date.now(),
    method: req.method ?? '',
    path,
    rawQuery: query,
    headers: redactHeaders(req.headers),
    remote: socket.remoteAddress ?? '',
    remotePort: socket.remotePort,
    tls: tlsDetails(socket),
    res,
    status: 0,
    bytesSent: 0,
    requestBytes: 0,
  }
  const requestHash = createHash('sha256')
  let done = false
  const end = (completed: boolean): void => {
    if (done) return
    done = true
    if (exchange.bodyBytes !== undefined && completed) exchange.bytesSent = exchange.bodyBytes
    if (exchange.requestBytes > 0) exchange.requestSha256 = requestHash.digest('hex')
    ended(exchange, completed)
  }
  req.on('error', () => {})
  res.on('error', () => {})
  res.once('finish', () => end(true))
  res.once('close', () => end(res.writableFinished))
  const body = new BodyCollector()
  req.on('data', (chunk: Buffer) => {
    exchange.requestBytes += chunk.length
    requestHash.update(chunk)
    body.add(chunk)
  })
  req.once('end', () => {
    const kept = body.finish()
    if (kept) exchange.body = kept
    received()
  })
  return exchange
}

/** Path (percent-encoding kept) and query (first value of each name) of a request target. */
export function splitUrl(url: string): { path: string; query: Record<string, string> } {
  // Absolute-form targets (`GET http://host/path`) happen with some embedded clients.
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/' : url
  const q = target.indexOf('?')
  const rawPath = q < 0 ? target : target.slice(0, q)
  const path = rawPath.split('#')[0]!
  const query: Record<string, string> = {}
  if (q >= 0) {
    for (const [name, value] of new URLSearchParams(target.slice(q + 1).split('#')[0])) {
      if (!Object.prototype.hasOwnProperty.call(query, name)) query[name] = value
    }
  }
  return { path: path === '' ? '/' : path, query }
}
