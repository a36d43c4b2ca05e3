import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'

/**
 * Counts and hashes what passes, and fails the stream as soon as more than `limit` bytes arrive:
 * the device never stores more than it has room for, whatever the sender claims.
 */
export class ByteLimit extends Transform {
  bytes = 0
  private readonly hash = createHash('sha256')

  constructor(
    private readonly limit: number,
    private readonly tooMuch: () => Error,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.limit) {
      done(this.tooMuch())
      return
    }
    this.hash.update(chunk)
    done(null, chunk)
  }

  digest(): string {
    return this.hash.digest('hex')
  }
}
