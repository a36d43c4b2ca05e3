import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { SimError } from './errors.ts'

/** A pseudo-terminal joined to the console's TCP port by socat: a real tty for the lab to open. */
export interface PtyBridge {
  /** The link to the pty's slave side, e.g. `<dir>/tty-dut`. */
  path: string
  pid: number
  close(): Promise<void>
}

/** Two ptys joined by socat, as over a null-modem cable: what one end writes, the other reads. */
export interface PtyPair {
  a: string
  b: string
  pid: number
  /** Ends socat and removes the links' folder; idempotent. */
  close(): Promise<void>
}

const STARTUP_MS = 5000

export const SOCAT_MISSING =
  "socat is not installed: install the Debian package socat (apt-get install socat), or run without a pseudo-terminal (pty: false, ts701 sim --no-pty) and use the console's tcp:// address"

/** socat on PATH (or in the usual places), or undefined. */
export function findSocat(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'socat'))) return join(dir, 'socat')
  }
  return undefined
}

const pty = (link: string): string => `pty,raw,echo=0,link=${link}`

/**
 * socat joining two addresses, resolved once every link exists and socat reports its transfer
 * loop: before that, opening a link can race socat and find no tty.
 */
async function startSocat(
  addresses: [string, string],
  links: string[],
  cleanup: () => Promise<void>,
): Promise<{ pid: number; close(): Promise<void> }> {
  const socat = findSocat()
  if (!socat) {
    await cleanup()
    throw new SimError('E_SIM_CONFIG', SOCAT_MISSING)
  }
  const child: ChildProcess = spawn(socat, ['-d', '-d', ...addresses], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (d: string) => {
    log = (log + d).slice(-4000)
  })
  let ended = false
  const exited = new Promise<void>((resolve) => {
    const end = () => {
      ended = true
      resolve()
    }
    child.once('exit', end)
    child.once('error', end)
  })
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (!ended) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
      await exited
      clearTimeout(timer)
      await cleanup()
    })()
    return closing
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false
      const finish = (err?: Error) => {
        if (done) return
        done = true
        clearTimeout(timer)
        clearInterval(poll)
        if (err) reject(err)
        else resolve()
      }
      const timer = setTimeout(
        () => finish(new Error(`socat did not set up ${links.join(' and ')} within ${STARTUP_MS} ms:\n${log}`)),
        STARTUP_MS,
      )
      const poll = setInterval(() => {
        Promise.all(links.map((l) => access(l))).then(
          () => {
            if (/starting data transfer loop/.test(log)) finish()
          },
          () => {},
        )
      }, 10)
      child.once('error', (err) => finish((err as { code?: string }).code === 'ENOENT' ? new SimError('E_SIM_CONFIG', SOCAT_MISSING) : err))
      child.once('exit', (code, signal) =>
        finish(new Error(`socat exited (${signal ?? `code ${code}`}) before the pty was ready:\n${log}`)),
      )
    })
  } catch (err) {
    await close()
    throw err
  }
  return { pid: child.pid!, close }
}

/**
 * `socat pty,raw,echo=0,link=<link> tcp:127.0.0.1:<port>`: the console, exposed on a pty as a USB
 * serial adapter would be. socat stays when the lab closes and reopens the pty; `close` ends it.
 */
export async function exposeOnPty(consolePort: number, link: string): Promise<PtyBridge> {
  await rm(link, { force: true })
  const socat = await startSocat([pty(link), `tcp:127.0.0.1:${consolePort}`], [link], () => rm(link, { force: true }))
  return { path: link, ...socat }
}

/** A pty pair in a fresh temporary folder, for a console and the one who talks to it. */
export async function ptyPair(): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-pty-'))
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  const socat = await startSocat([pty(a), pty(b)], [a, b], () => rm(dir, { recursive: true, force: true }))
  return { a, b, ...socat }
}
