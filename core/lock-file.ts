import { randomBytes } from 'node:crypto'
import { readFileSync, unlinkSync } from 'node:fs'
import { link, open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'

/** The lock a run takes on its output folder; the evidence pack neither lists nor checks it. */
export const OUT_LOCK = '.ts701.lock'

/** What a lock file says about the process holding it. */
export interface LockInfo {
  pid: number
  host: string
  startedAt: string
  command: string
}

export interface HeldLock {
  file: string
  info: LockInfo
  /** The lock of a process that had ended, which this one took over. */
  tookOver?: LockInfo
  release(): Promise<void>
}

/** Another process holds the lock; `info` is undefined when its file cannot be read. */
export interface BusyLock {
  busy: true
  file: string
  info: LockInfo | undefined
}

const ATTEMPTS = 5

/** `pid 123 on lab-pc since 2025-…: ts701 run`, for messages. */
export function describeHolder(info: LockInfo | undefined): string {
  if (!info) return 'a process ts701 cannot name (the lock file is unreadable)'
  return `pid ${info.pid}${info.host === hostname() ? '' : ` on ${info.host}`} since ${info.startedAt} (${info.command})`
}

function parse(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.startedAt !== 'string') return undefined
    return { pid: v.pid, host: v.host, startedAt: v.startedAt, command: typeof v.command === 'string' ? v.command : '' }
  } catch {
    return undefined
  }
}

const same = (a: LockInfo | undefined, b: LockInfo | undefined): boolean =>
  !!a && !!b && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: the process exists, it is only someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Only a process of this host can be seen to have ended; another host's lock is always live. */
const stale = (info: LockInfo): boolean => info.host === hostname() && !alive(info.pid)

type Read = { gone: true } | { info: LockInfo | undefined }

async function read(file: string): Promise<Read> {
  try {
    return { info: parse(await readFile(file, 'utf8')) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { gone: true }
    throw err
  }
}

const tempName = (file: string, what: string): string => `${file}.${process.pid}.${randomBytes(6).toString('hex')}.${what}`

/**
 * Creates `file` holding `content`, or returns false when it exists. The content is written to a
 * temporary file and linked into place, so no reader ever sees a lock without its holder; on a
 * file system without hard links, an exclusive create does the same with a short gap.
 */
async function create(file: string, content: string): Promise<boolean> {
  const temp = tempName(file, 'tmp')
  await writeFile(temp, content, { flag: 'wx' })
  try {
    await link(temp, file)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'].includes(code ?? '')) throw err
  } finally {
    await rm(temp, { force: true })
  }
  try {
    const handle = await open(file, 'wx')
    await handle.writeFile(content).finally(() => handle.close())
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  }
}

/**
 * Moves the stale lock `seen` out of the way. Two processes may find the same stale lock; the one
 * that moves a lock the other has just taken puts it back, so only one ends up holding it.
 */
async function setAside(file: string, seen: LockInfo): Promise<void> {
  const aside = tempName(file, 'stale')
  try {
    await rename(file, aside)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  const moved = await read(aside)
  if (!('gone' in moved) && !same(moved.info, seen)) await link(aside, file).catch(() => undefined)
  await rm(aside, { force: true })
}

/**
 * Takes the exclusive lock `file` for this process. A lock left by a process of this host that has
 * ended is taken over (and named in `tookOver`); a live one comes back as busy. The lock is
 * released by `release()`, or when the process exits without it.
 */
export async function acquireLock(file: string, command: string): Promise<HeldLock | BusyLock> {
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command }
  const content = `${JSON.stringify(info)}\n`
  let tookOver: LockInfo | undefined
  let last: LockInfo | undefined
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await create(file, content)) return held(file, info, tookOver)
    const current = await read(file)
    if ('gone' in current) continue
    last = current.info
    if (!current.info || !stale(current.info)) return { busy: true, file, info: current.info }
    await setAside(file, current.info)
    tookOver = current.info
  }
  return { busy: true, file, info: last }
}

function held(file: string, info: LockInfo, tookOver: LockInfo | undefined): HeldLock {
  const mine = (text: string): boolean => same(parse(text), info)
  // A process that ends without its finally (process.exit on a second Ctrl+C) still frees the lock.
  const onExit = (): void => {
    try {
      if (mine(readFileSync(file, 'utf8'))) unlinkSync(file)
    } catch {
      // Gone already, or the folder with it.
    }
  }
  process.on('exit', onExit)
  let released = false
  return {
    file,
    info,
    ...(tookOver && { tookOver }),
    async release() {
      if (released) return
      released = true
      process.off('exit', onExit)
      const text = await readFile(file, 'utf8').catch(() => '')
      if (mine(text)) await rm(file, { force: true })
    },
  }
}
