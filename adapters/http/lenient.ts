/**
 * A small HTTP/1.1 client on raw sockets for sloppy embedded servers (`adapter.lenient: true`).
 * One request per connection (`Connection: close`). It tolerates what strict parsers refuse:
 * header lines without a colon (skipped), a missing or wrong Content-Length (the body is read
 * until the device closes, or goes quiet after the announced length; at most 16 MiB), a reply
 * before the request body was sent (sending stops), a connection reset in the middle of the body.
 * Everything it had to tolerate is noted for the evidence.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net'
import { TLSSocket, connect as tlsConnect } from 'node:tls'
import { WaitTimer } from '../../core/duration.ts'
import type { TlsOptions } from './undici.ts'
import { announcedLength, type BodyProgress, type OutgoingRequest, type RawReply, type Transport } from './transport.ts'

export const BODY_CAP = 16 * 1024 * 1024
const HEAD_CAP = 64 * 1024
/** After the announced length has arrived, how long a quiet connection means the body is done. */
const QUIET_MS = 150

export class LenientTransport implements Transport {
  private readonly sockets = new Set<Socket>()

  constructor(private readonly tls: TlsOptions) {}

  send(req: OutgoingRequest, progress: BodyProgress, signal: AbortSignal): Promise<RawReply> {
    const socket = this.connect(req.url)
    // The head and the body go out as separate writes: without this the body would wait for the
    // device's delayed ACK of the head (40 ms on Linux), as undici's own sockets do not.
    socket.setNoDelay(true)
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    return exchange(socket, req, progress, signal)
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  private connect(url: URL): Socket {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const https = url.protocol === 'https:'
    const port = Number(url.port) || (https ? 443 : 80)
    if (!https) return netConnect({ host, port })
    const servername = this.tls.servername ?? (isIP(host) ? undefined : host)
    return tlsConnect({
      host,
      port,
      rejectUnauthorized: this.tls.rejectUnauthorized,
      ...(this.tls.ca ? { ca: this.tls.ca } : {}),
      ...(servername ? { servername } : {}),
    })
  }
}

function requestHead(req: OutgoingRequest, length: number | undefined): string {
  const headers: Record<string, string> = { host: req.url.host, ...req.headers, connection: 'close' }
  if (length !== undefined) headers['content-length'] = String(length)
  const lines = Object.entries(headers).map(([n, v]) => `${n}: ${v.replace(/[\r\n]+/g, ' ')}`)
  return `${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`
}

function fail(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

function exchange(socket: Socket, req: OutgoingRequest, progress: BodyProgress, signal: AbortSignal): Promise<RawReply> {
  return new Promise<RawReply>((resolve, reject) => {
    const notes: string[] = []
    const body = new Chunks()
    let head = Buffer.alloc(0)
    let reply: RawReply | undefined
    let framing: Framing | undefined

    const finish = () => {
      socket.destroy()
      body.end()
    }
    const onAbort = () => {
      socket.destroy()
      const reason = signal.reason instanceof Error ? signal.reason : fail('ABORT_ERR', 'aborted')
      if (reply) body.fail(reason)
      else reject(reason)
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('close', () => signal.removeEventListener('abort', onAbort))

    const connectEvent = socket instanceof TLSSocket ? 'secureConnect' : 'connect'
    socket.once(connectEvent, () => {
      socket.write(requestHead(req, announcedLength(req, progress)))
      if (req.body) void sendBody()
    })
    const sendBody = async () => {
      if (!req.body) return
      const stream = progress.stream(req.body)
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          if (reply || socket.destroyed) break
          if (!socket.write(chunk)) await drained(socket)
        }
      } catch {
        // A write error is the socket's to report.
      } finally {
        stream.destroy()
      }
    }

    socket.on('data', (data: Buffer) => {
      if (framing) return framing.data(data)
      head = Buffer.concat([head, data])
      for (;;) {
        const parsed = parseHead(head, notes)
        if (parsed === 'incomplete') {
          if (head.length > HEAD_CAP) {
            socket.destroy()
            reject(fail('E_LENIENT_HEAD', `the header section of the answer exceeds ${HEAD_CAP} bytes`))
          }
          return
        }
        if (parsed instanceof Error) {
          socket.destroy()
          return reject(parsed)
        }
        head = head.subarray(parsed.length)
        // Interim answers (100 Continue) precede the real one.
        if (parsed.status >= 100 && parsed.status < 200 && parsed.status !== 101) continue
        reply = { status: parsed.status, statusText: parsed.statusText, headers: parsed.headers, body, notes, discard: finish }
        framing = new Framing(req.method, parsed.status, parsed.headers, body, notes, finish)
        resolve(reply)
        if (head.length > 0) framing.data(head)
        return
      }
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!reply) return reject(err)
      // Tolerated: the body ends with what came.
      notes.push(`connection error after ${framing?.received ?? 0} bytes of the body (${err.code ?? err.message})`)
    })
    socket.on('close', () => {
      if (!reply) {
        if (!signal.aborted) {
          reject(
            head.length > 0
              ? fail('E_LENIENT_HEAD', `connection closed in the middle of the answer's header (${head.length} bytes came)`)
              : fail('E_CLOSED_BEFORE_REPLY', 'connection closed by the device before it answered'),
          )
        }
        return
      }
      framing?.closed()
    })
  })
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

interface Head {
  length: number
  status: number
  statusText: string
  headers: Record<string, string>
}

function parseHead(buffer: Buffer, notes: string[]): Head | Error | 'incomplete' {
  const crlf = buffer.indexOf('\r\n\r\n')
  const lf = buffer.indexOf('\n\n')
  let end: number
  let sep: number
  if (crlf >= 0 && (lf < 0 || crlf < lf)) [end, sep] = [crlf, 4]
  else if (lf >= 0) [end, sep] = [lf, 2]
  else return 'incomplete'
  const lines = buffer.subarray(0, end).toString('latin1').split(/\r?\n/)
  const statusLine = lines.shift() ?? ''
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})(?:\s+(.*))?$/.exec(statusLine.trim())
  if (!m) return fail('E_LENIENT_STATUS', `not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 80))}`)
  const headers: Record<string, string> = {}
  let last: string | undefined
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last) {
      headers[last] = `${headers[last]} ${line.trim()}`
      continue
    }
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : ''
    if (!name || /\s/.test(name)) {
      notes.push(`skipped a malformed header line ${JSON.stringify(line.slice(0, 80))}`)
      last = undefined
      continue
    }
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    last = name
  }
  return { length: end + sep, status: Number(m[1]), statusText: m[2]?.trim() ?? '', headers }
}

/** Decides where the body ends, tolerating what the header says wrongly. */
class Framing {
  received = 0
  private readonly length?: number
  private readonly chunked?: ChunkedDecoder
  private quiet?: WaitTimer
  private done = false

  constructor(
    method: string,
    status: number,
    headers: Record<string, string>,
    private readonly body: Chunks,
    private readonly notes: string[],
    private readonly finish: () => void,
  ) {
    if (method === 'HEAD' || status === 204 || status === 304) {
      this.end()
      return
    }
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) this.chunked = new ChunkedDecoder()
    const cl = headers['content-length']
    if (cl !== undefined && !this.chunked) {
      if (/^\s*\d+\s*$/.test(cl)) this.length = Number(cl)
      else notes.push(`ignored an invalid Content-Length ${JSON.stringify(cl)}; body read until the connection closed`)
    }
    if (this.length === 0) this.armQuiet()
  }

  data(data: Buffer): void {
    if (this.done) return
    if (this.chunked && !this.chunked.abandoned) {
      const out = this.chunked.push(data)
      if (out instanceof Error) {
        this.notes.push(`malformed chunked encoding (${out.message}); the rest of the body is taken as sent`)
        this.chunked.abandon()
        this.take(this.chunked.rest())
        return
      }
      for (const part of out) this.take(part)
      if (this.chunked.finished) this.end()
      return
    }
    this.take(data)
    if (this.length !== undefined && this.received >= this.length) this.armQuiet()
  }

  closed(): void {
    if (this.done) return
    if (this.length !== undefined && this.received < this.length) {
      this.notes.push(`body shorter than its Content-Length (${this.received} of ${this.length} bytes) when the connection closed`)
    } else if (this.chunked && !this.chunked.finished && !this.chunked.abandoned) {
      this.notes.push(`chunked body ended by the connection closing, without its last chunk (${this.received} bytes)`)
    }
    this.end()
  }

  private take(part: Buffer): void {
    if (part.length === 0) return
    const room = BODY_CAP - this.received
    if (part.length > room) {
      this.body.push(part.subarray(0, room))
      this.received += room
      this.notes.push(`body cut at ${BODY_CAP} bytes`)
      this.end()
      return
    }
    this.received += part.length
    this.body.push(part)
  }

  private armQuiet(): void {
    this.quiet?.clear()
    this.quiet = new WaitTimer(QUIET_MS, () => {
      if (this.length !== undefined && this.received > this.length) {
        this.notes.push(`body longer than its Content-Length (${this.received} > ${this.length} bytes); all of it is kept`)
      }
      this.end()
    })
  }

  private end(): void {
    if (this.done) return
    this.done = true
    this.quiet?.clear()
    this.finish()
  }
}

/** Transfer-Encoding: chunked, decoded as data arrives. */
class ChunkedDecoder {
  finished = false
  abandoned = false
  private pending = Buffer.alloc(0)
  private remaining = 0
  private state: 'size' | 'data' | 'data-end' | 'trailer' = 'size'

  push(data: Buffer): Buffer[] | Error {
    this.pending = Buffer.concat([this.pending, data])
    const out: Buffer[] = []
    for (;;) {
      if (this.finished) return out
      if (this.state === 'size' || this.state === 'data-end' || this.state === 'trailer') {
        const nl = this.pending.indexOf('\n')
        if (nl < 0) return this.pending.length > 1024 ? new Error('chunk size line too long') : out
        const line = this.pending.subarray(0, nl).toString('latin1').replace(/\r$/, '')
        this.pending = this.pending.subarray(nl + 1)
        if (this.state === 'data-end') {
          if (line !== '') return new Error('missing line break after a chunk')
          this.state = 'size'
        } else if (this.state === 'trailer') {
          if (line === '') this.finished = true
        } else {
          const m = /^([0-9a-fA-F]+)\s*(;.*)?$/.exec(line.trim())
          if (!m?.[1]) return new Error(`bad chunk size ${JSON.stringify(line.slice(0, 20))}`)
          this.remaining = parseInt(m[1], 16)
          this.state = this.remaining === 0 ? 'trailer' : 'data'
        }
        continue
      }
      if (this.pending.length === 0) return out
      const take = Math.min(this.remaining, this.pending.length)
      out.push(this.pending.subarray(0, take))
      this.pending = this.pending.subarray(take)
      this.remaining -= take
      if (this.remaining === 0) this.state = 'data-end'
    }
  }

  abandon(): void {
    this.abandoned = true
  }

  /** What arrived but was not decoded, when the encoding is abandoned. */
  rest(): Buffer {
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    return rest
  }
}

/** The body as an async iterable the socket pushes into. */
class Chunks implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = []
  private ended = false
  private error?: Error
  private wake?: () => void

  push(chunk: Buffer): void {
    this.queue.push(chunk)
    this.wake?.()
  }

  end(): void {
    this.ended = true
    this.wake?.()
  }

  fail(error: Error): void {
    this.error = error
    this.wake?.()
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const next = this.queue.shift()
      if (next) {
        yield next
        continue
      }
      if (this.error) throw this.error
      if (this.ended) return
      await new Promise<void>((resolve) => (this.wake = resolve))
      this.wake = undefined
    }
  }
}
