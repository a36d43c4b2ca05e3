import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { EnvironmentError } from './errors.ts'

/**
 * What the machine, not ts701, got wrong, by errno: a disk that is full or read-only, a folder ts701
 * may not write. Anything else is not the environment's and stays what it was.
 */
const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device (disk full)',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error on the disk',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
}

/**
 * `err` as an `EnvironmentError` naming `path` and the cause, when it is a system error the lab's
 * machine caused; undefined for anything else (a bug, which stays an internal error).
 */
export function environmentFault(err: unknown, path?: string, doing = 'cannot write'): EnvironmentError | undefined {
  if (err instanceof EnvironmentError) return err
  const e = err as NodeJS.ErrnoException | undefined
  const cause = typeof e?.code === 'string' ? CAUSES[e.code] : undefined
  if (!cause) return undefined
  const where = path ?? e?.path
  return new EnvironmentError('E_WRITE', `${doing} ${where ?? 'a file'}: ${cause}`)
}

/** Where `file` is written before it takes its name: hidden, in the same folder, so rename is atomic. */
export const TEMP_FILE = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/

/**
 * Writes `file` whole or not at all: the data goes to a temporary file beside it, is flushed to
 * the disk, then renamed over `file`. A reader (a CI job, `ts701 verify`) never sees half a
 * report, and a write that fails (disk full) leaves no file instead of a truncated one. A failure
 * the machine caused is an `EnvironmentError` naming `file`.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file)
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined)
    throw environmentFault(err, file) ?? err
  }
  await syncFolder(dir)
}

/** The rename itself reaches the disk only with its folder; some systems cannot sync a folder. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined)
  if (!handle) return
  await handle
    .sync()
    .catch(() => undefined)
    .finally(() => handle.close())
}
