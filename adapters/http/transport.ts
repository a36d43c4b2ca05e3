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
