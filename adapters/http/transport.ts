/**
 * What the request layer needs from an HTTP client. Two implementations: undici (strict HTTP,
 * the default) and a raw-socket client for sloppy embedded servers (`adapter.lenient`).
 */
import { createHash, type Hash } from 'node:crypto'
import { Readable } from 'node:stream'

export interface OutgoingRequest {
  method: string
  url: URL
  /** Lower-case names. */
  headers: Record<string, string>
  body?: RequestBody
}

export type RequestBody =
  | { kind: 'bytes'; data: Buffer }
  /** Streamed, never buffered: `open` is called once, when the request is sent. */
  | { kind: 'stream'; length: number; open: () => Readable }

/**
 * Methods that by their meaning carry a body (undici's list, which decides this in strict mode).
 * Sent without one, they still say `Content-Length: 0`: a real embedded web server waits for the
 * body of a POST that announces none until its timeout. Other methods announce no body.
 */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH'])

/** The Content-Length the request's head carries, the same in both modes; undefined for none. */
export function announcedLength(req: OutgoingRequest, progress: BodyProgress): number | undefined {
  if (req.body) return progress.total
  return BODY_METHODS.has(req.method) ? 0 : undefined
}

/** How much of the request body went out, updated while it is sent. */
export class BodyProgress {
  sent = 0
  private readonly hash: Hash = createHash('sha256')

  constructor(readonly total: number) {}

  /** Every byte of the body was handed to the connection. */
  get complete(): boolean {
    return this.sent >= this.total
  }

  /** The body as the transport sends it, counted and hashed on the way. */
  stream(body: RequestBody): Readable {
    const source = body.kind === 'bytes' ? Readable.from([body.data]) : body.open()
    // The generator below runs as its own function; it reports back to this object by name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const progress = this
    async function* counted() {
      try {
        for await (const chunk of source as AsyncIterable<Buffer | string>) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
          progress.sent += bytes.length
          progress.hash.update(bytes)
          yield bytes
        }
      } finally {
        // Stops reading the file when the transport gives up on the body early.
        if (!source.destroyed) source.destroy()
      }
    }
    return Readable.from(counted(), { objectMode: false })
  }

  sha256(): string {
    return this.hash.copy().digest('hex')
  }
}

export interface RawReply {
  status: number
  statusText: string
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>
  body: AsyncIterable<Buffer>
  /** Anything the client had to tolerate, for evidence (lenient client); may grow while the body is read. */
  notes: string[]
  /** Frees the connection when the body is not read to its end. */
  discard(): void
}

/** Backstops to the caller's abort signal; 0 disables one (a stream's body may take its time). */
export interface TransportTimeouts {
  headersMs: number
  bodyMs: number
}

export interface Transport {
  send(request: OutgoingRequest, progress: BodyProgress, signal: AbortSignal, timeouts: TransportTimeouts): Promise<RawReply>
  close(): Promise<void>
}
