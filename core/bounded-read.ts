import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'

/** Why a bounded read gave no bytes; each caller words it for its own reader. */
export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; why: 'directory' | 'not-a-file' }
  /** `size` is what the file's stat said; undefined when it grew past the limit while being read. */
  | { ok: false; why: 'too-large'; size?: number }
  | { ok: false; why: 'unreadable'; stage: 'open' | 'read'; error: unknown }

/**
 * Reads at most `limit` bytes, deciding from the open handle's own stat, so the size checked is
 * that of the file read; a file still growing (or one that reports no size, like those of /proc)
 * is cut off by the read itself. Anything but a regular file is refused unread: a FIFO or device
 * would block or never end.
 *
 * The calls are synchronous: the files are documents of a few kilobytes (a few megabytes at the
 * limit), and an asynchronous open, stat, read and close each cost a round trip through libuv's
 * thread pool that was dearer than the read.
 */
export async function readBounded(file: string, limit: number): Promise<BoundedRead> {
  return readBoundedSync(file, limit)
}

function readBoundedSync(file: string, limit: number): BoundedRead {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    return isErrno(error, 'EISDIR') ? { ok: false, why: 'directory' } : { ok: false, why: 'unreadable', stage: 'open', error }
  }
  try {
    const info = fstatSync(fd)
    if (info.isDirectory()) return { ok: false, why: 'directory' }
    if (!info.isFile()) return { ok: false, why: 'not-a-file' }
    if (info.size > limit) return { ok: false, why: 'too-large', size: info.size }
    const chunks: Buffer[] = []
    let length = 0
    // Up to one byte past the limit, whatever the size said: enough to tell "too large" apart. The
    // first read asks for one byte more than the stat said, so a file that did not grow is read
    // whole, its end seen, in one call.
    let piece = Math.max(info.size + 1, 64 * 1024)
    while (length <= limit) {
      const chunk = Buffer.allocUnsafe(Math.min(piece, limit + 1 - length))
      const bytesRead = readSync(fd, chunk, 0, chunk.length, length)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      length += bytesRead
      // A short read of a regular file is its end.
      if (bytesRead < chunk.length && length <= info.size) break
      piece = 64 * 1024
    }
    if (length > limit) return { ok: false, why: 'too-large' }
    return { ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) }
  } catch (error) {
    return isErrno(error, 'EISDIR') ? { ok: false, why: 'directory' } : { ok: false, why: 'unreadable', stage: 'read', error }
  } finally {
    try {
      closeSync(fd)
    } catch {
      // Closing a descriptor of a file read or refused: nothing left to lose.
    }
  }
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code
}
