/**
 * Pseudo-terminal pairs for tests of serial consoles: socat joins two ptys, reachable through
 * the links `a` and `b` in a temporary folder. What is written to one end comes out of the
 * other, as over a null-modem cable. socat (Debian package `socat`) is required: without it this
 * throws, the tests fail, nothing is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PtyPair {
  /** Link to one end, e.g. for the adapter under test. */
  a: string
  /** Link to the other end, e.g. for the fake device. */
  b: string
  /** socat's process ID. */
  pid: number
  /** Ends socat (both ptys disappear, and their links with them) and removes the folder; idempotent. */
  close(): Promise<void>
}

const STARTUP_MS = 5000

export async function ptyPair(): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-pty-'))
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  let child: ChildProcess
  try {
    child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw missing(err)
  }
  let log = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    log = (log + d).slice(-4000)
  })
  // Ended: exited, or never started (spawn failed).
  let ended = false
  const exited = new Promise<void>((resolve) => {
    const end = () => {
      ended = true
      resolve()
    }
    child.once('exit', end)
    child.once('error', end)
  })

  let closed: Promise<void> | undefined
  const close = (): Promise<void> => {
    closed ??= (async () => {
      if (!ended) child.kill('SIGTERM')
      await Promise.race([exited, sleep(2000)])
      if (!ended) {
        child.kill('SIGKILL')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    })()
    return closed
  }

  await new Promise<void>((resolve, reject) => {
    let done = false
    const finish = (err?: Error) => {
      if (done) return
      done = true
      clearInterval(poll)
      clearTimeout(timer)
      if (err) reject(err)
      else resolve()
    }
    child.once('error', (err) => finish(missing(err)))
    child.once('exit', (code, signal) => finish(new Error(`socat exited (${signal ?? `code ${code}`}) before the pty pair was ready:\n${log}`)))
    const poll = setInterval(() => {
      Promise.all([access(a), access(b)]).then(
        () => {
          if (/starting data transfer loop/.test(log)) finish()
        },
        () => {},
      )
    }, 10)
    const timer = setTimeout(() => finish(new Error(`socat did not create the pty pair within ${STARTUP_MS} ms:\n${log}`)), STARTUP_MS)
  }).catch(async (err: unknown) => {
    await close()
    throw err
  })

  return { a, b, pid: child.pid!, close }
}

function missing(err: unknown): Error {
  const code = (err as { code?: string }).code
  if (code === 'ENOENT') {
    return new Error('socat is not installed: install the Debian package socat (apt-get install socat, or scripts/system-deps.sh as root); the serial tests need it for pseudo-terminal pairs')
  }
  return err instanceof Error ? err : new Error(String(err))
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
