import { constants } from 'node:fs'
import { open } from 'node:fs/promises'

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
 */
export async function readBounded(file: string, limit: number): Promise<BoundedRead> {
  let handle
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    return isErrno(error, 'EISDIR') ? { ok: false, why: 'directory' } : { ok: false, why: 'unreadable', stage: 'open', error }
  }
  try {
    const info = await handle.stat()
    if (info.isDirectory()) return { ok: false, why: 'directory' }
    if (!info.isFile()) return { ok: false, why: 'not-a-file' }
    if (info.size > limit) return { ok: false, why: 'too-large', size: info.size }
    const chunks: Buffer[] = []
    let length = 0
    // Up to one byte past the limit, whatever the size said: enough to tell "too large" apart.
    while (length <= limit) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - length))
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      length += bytesRead
    }
    if (length > limit) return { ok: false, why: 'too-large' }
    return { ok: true, bytes: Buffer.concat(chunks, length) }
  } catch (error) {
    return isErrno(error, 'EISDIR') ? { ok: false, why: 'directory' } : { ok: false, why: 'unreadable', stage: 'read', error }
  } finally {
    await handle.close().catch(() => undefined)
  }
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code
}
