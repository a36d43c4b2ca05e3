/**
 * Debian's chromium, headless, as a reader's browser: a screenshot and a PDF print of a page, and
 * whatever the page wrote to the browser console (which a page without scripts keeps empty).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export interface Rendered {
  screenshot: Buffer
  pdf: Buffer
  /** Browser console messages, as chromium logs them. */
  console: string[]
}

function chromium(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('chromium', args, { timeout: 90_000, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
      // chromium not installed: scripts/system-deps.sh installs it.
      if (err) reject(new Error(`chromium ${args.at(-2) ?? ''} failed: ${err.message}\n${stderr}`))
      else resolve(stderr)
    })
  })
}

/**
 * Runs chromium until it has written `file`: under load headless chromium has exited 0 without
 * writing its screenshot, which says nothing about the page. Tried twice; its logs are kept.
 */
async function writing(file: string, run: () => Promise<string>): Promise<string> {
  const first = await run()
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return first
  return `${first}\n${await run()}`
}

export async function renderInChromium(file: string): Promise<Rendered> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-chromium-'))
  try {
    const common = [
      '--headless',
      // Root in a container has no user namespaces for the sandbox; the page is our own file.
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      // This machine has no network: without these chromium retries its background connections
      // (updates, sync, QUIC) and slows to a crawl on a loaded machine.
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--enable-logging=stderr',
      '--log-level=0',
    ]
    const url = pathToFileURL(file).href
    const shot = join(dir, 'shot.png')
    const pdf = join(dir, 'print.pdf')
    const said = [
      await writing(shot, () => chromium([...common, '--hide-scrollbars', '--window-size=1200,1600', `--screenshot=${shot}`, url])),
      await writing(pdf, () => chromium([...common, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, url])),
    ].join('\n')
    return {
      screenshot: await readFile(shot),
      pdf: await readFile(pdf),
      console: said.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
