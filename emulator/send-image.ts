import type { IncomingMessage, ServerResponse } from 'node:http'
import { open, type FileHandle } from 'node:fs/promises'
import { CHUNK } from '../fixtures/hash.ts'
import type { Exchange } from './exchange.ts'
import type { Offer } from './offer.ts'
import { sendFixed, TEXT } from './send-fixed.ts'

/**
 * Streams the offered file with single-range support (`Range`, `If-Range` against our ETag), so
 * a device can resume an interrupted download as it would from a real server. The route's
 * headers override ours; its status applies unless a range is served.
 */
export async function sendImage(
  req: IncomingMessage,
  res: ServerResponse,
  exchange: Exchange,
  route: { status: number; headers: Record<string, string> },
  offer: Offer,
  head: boolean,
  part?: string,
): Promise<void> {
  const served = servedFile(offer, part)
  if (!served) {
    exchange.image = { name: offer.image.name, version: offer.image.version, part: part! }
    sendFixed(res, exchange, 404, { 'Content-Type': TEXT }, `image ${offer.image.name} has no part ${part}\n`, head)
    return
  }
  const size = served.size
  let start = 0
  let end = size - 1
  let status = route.status
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ETag: served.etag }
  exchange.image = { name: offer.image.name, version: offer.image.version, ...(part !== undefined && { part }) }
  const rangeHeader = req.headers.range
  if (route.status === 200 && rangeHeader !== undefined) {
    const ifRange = req.headers['if-range']
    const range = ifRange === undefined || ifRange === served.etag ? parseRange(rangeHeader, size) : undefined
    if (range === 'unsatisfiable') {
      exchange.image.range = rangeHeader
      sendFixed(res, exchange, 416, { ...headers, 'Content-Range': `bytes */${size}`, ...route.headers }, '', head)
      return
    }
    if (range) {
      ;({ start, end } = range)
      status = 206
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`
      exchange.image.range = `${start}-${end}`
    }
  }
  const length = Math.max(0, end - start + 1)

  const file = await openUnchanged(served)
  if (res.destroyed) {
    await file.close()
    return
  }
  Object.assign(headers, route.headers)
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.setHeader('Content-Length', length)
  res.statusCode = status
  exchange.status = status
  exchange.responseHeaders = headers
  if (head || length === 0) {
    await file.close()
    res.end()
    return
  }
  const stream = file.createReadStream({ start, end, autoClose: true, highWaterMark: CHUNK })
  let left = length
  try {
    for await (const chunk of stream) {
      if (res.destroyed) break
      const bytes = chunk as Buffer
      left -= bytes.length
      const ok = res.write(bytes, (err) => {
        if (!err) exchange.bytesSent += bytes.length
      })
      // The answer ends with its last byte, not after the file's end is read: a client may hang
      // up the moment it has Content-Length bytes, and the answer was complete by then.
      if (left <= 0) {
        res.end()
        break
      }
      if (!ok && !res.destroyed) await drained(res)
    }
  } finally {
    stream.destroy()
  }
  if (!res.destroyed && !res.writableEnded) res.end()
}

interface ServedFile {
  path: string
  size: number
  etag: string
}

/** The main file, or the named part; undefined when the offered image has no such part. */
function servedFile(offer: Offer, part: string | undefined): ServedFile | undefined {
  if (part === undefined) return { path: offer.image.path, size: offer.size, etag: offer.etag }
  return Object.hasOwn(offer.parts, part) ? offer.parts[part] : undefined
}

/** The digests announced were computed at offer time; a file that changed since would contradict them. */
async function openUnchanged(served: ServedFile): Promise<FileHandle> {
  let file: FileHandle | undefined
  try {
    file = await open(served.path, 'r')
    const actual = (await file.stat()).size
    if (actual !== served.size) throw new Error(`${served.path} changed size since it was offered (${served.size} → ${actual} bytes)`)
    return file
  } catch (e) {
    await file?.close()
    throw e
  }
}

/** A single `bytes=` range; `undefined` means "ignore the header and send everything". */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m) return undefined // other units, several ranges: answering 200 is allowed
  const [, first, last] = m as unknown as [string, string, string]
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (last !== '' && Number(last) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
