/**
 * SWUpdate as a DUT: Debian's swupdate with its web server on loopback, set up the way the
 * example gateway (examples/swupdate-gateway) describes it. The folder it runs in holds the
 * vendor PKI, the signed images, the "flash" the raw handler writes (state/rootfs.img) and the
 * lab bench; the example profile is written into it with the agent's port.
 */
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseDocument, type Document } from 'yaml'
import { tempDir } from '../cli/helpers.ts'
import { packSignedSwu, vendorCertificate } from '../fixtures/swu-build.ts'

const run = promisify(execFile)
const WEB_EXAMPLE = 'examples/swupdate-gateway'
const HAWKBIT_EXAMPLE = 'examples/swupdate-hawkbit'
export const CONTROLLER_ID = 'hb-200-0001'
export const BOARD = 'ts701-gw'
export const REVISION = '1.0'
export const BASELINE = '1.0.0'

export interface SwupdateOptions {
  /** `-N`: the oldest release SWUpdate installs; without it, any release goes. */
  noDowngrade?: string
}

export interface SwupdateAgent {
  dir: string
  profile: string
  port: number
  pid: number
  /** Everything SWUpdate printed, for a failing test's message. */
  log(): string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/** A root file system image whose first line names its version, as /etc/os-release would. */
function rootfs(version: string): Buffer {
  const filler = createHash('sha256').update(version).digest()
  return Buffer.concat([Buffer.from(`VERSION=${version}\n`), ...Array.from({ length: 2048 }, () => filler)])
}

/** A signed .swu as the vendor builds one: sw-description, its CMS signature, the image; cpio crc. */
async function buildSwu(dir: string, version: string, slot: string, out: string): Promise<void> {
  const work = join(dir, 'build', version)
  await mkdir(work, { recursive: true })
  const image = rootfs(version)
  await writeFile(join(work, 'rootfs.img'), image)
  const sha256 = createHash('sha256').update(image).digest('hex')
  await writeFile(
    join(work, 'sw-description'),
    [
      'software =',
      '{',
      `\tversion = "${version}";`,
      `\thardware-compatibility: [ "${REVISION}" ];`,
      '\timages: (',
      '\t\t{',
      '\t\t\tfilename = "rootfs.img";',
      '\t\t\ttype = "raw";',
      `\t\t\tdevice = "${slot}";`,
      `\t\t\tsha256 = "${sha256}";`,
      '\t\t}',
      '\t);',
      '}',
      '',
    ].join('\n'),
  )
  const keys = join(dir, 'keys')
  await packSignedSwu(work, { cert: join(keys, 'vendor.crt'), key: join(keys, 'vendor.key') }, out)
}

/** The device's folder: PKI, images (valid 1.1.0, older 0.9.0), the flash on the baseline, bench and profile. */
async function prepare(example: string, edit: (doc: Document) => void): Promise<{ dir: string; profile: string }> {
  const dir = await tempDir('swupdate')
  for (const sub of ['keys', 'images', 'state', 'www', 'tmp']) await mkdir(join(dir, sub), { recursive: true })
  const keys = join(dir, 'keys')
  await vendorCertificate(
    { cert: join(keys, 'vendor.crt'), key: join(keys, 'vendor.key') },
    { subject: 'GW-100 update signing', emailProtection: true },
  )
  const slot = join(dir, 'state', 'rootfs.img')
  await writeFile(join(dir, 'state', 'baseline.img'), rootfs(BASELINE))
  await copyFile(join(dir, 'state', 'baseline.img'), slot)
  await buildSwu(dir, '1.1.0', slot, join(dir, 'images', 'valid-1.1.0.swu'))
  await buildSwu(dir, '0.9.0', slot, join(dir, 'images', 'older-0.9.0.swu'))
  // One bench for both devices: the same flash, the same reflash.
  await copyFile(join(WEB_EXAMPLE, 'bench.mjs'), join(dir, 'bench.mjs'))
  const doc = parseDocument(await readFile(join(example, 'profile.yaml'), 'utf8'))
  edit(doc)
  const profile = join(dir, 'profile.yaml')
  await writeFile(profile, doc.toString())
  return { dir, profile }
}

/** Resolves once the web server answers; else stops the agent and rejects with what SWUpdate said. */
async function answering(port: number, agent: Launched): Promise<void> {
  try {
    await waitAnswer(port, agent)
  } catch (err) {
    await agent.stop()
    throw err
  }
}

async function waitAnswer(port: number, agent: Launched): Promise<void> {
  const until = Date.now() + 20_000
  while (Date.now() < until) {
    if (agent.exited()) throw new Error(`swupdate exited before it answered:\n${agent.log()}`)
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`swupdate did not answer on 127.0.0.1:${port} within 20 s:\n${agent.log()}`)
}

/** Builds the gateway's folder and starts SWUpdate's web server on it; `stop` ends it by PID. */
export async function startSwupdate(options: SwupdateOptions = {}): Promise<SwupdateAgent> {
  const port = await freePort()
  const { dir, profile } = await prepare(WEB_EXAMPLE, (doc) => doc.setIn(['adapter', 'baseUrl'], `http://127.0.0.1:${port}`))
  const agent = await launch(dir, [...common(dir, options), '-w', `-r ${join(dir, 'www')} -p 127.0.0.1:${port}`])
  await answering(port, agent)
  return { dir, profile, port, pid: agent.pid, log: agent.log, stop: agent.stop }
}

/**
 * Builds the display's folder (with a vendor CA and the server certificate the emulator presents)
 * and starts suricatta polling the emulator's address, where nothing listens until the run starts.
 */
export async function startSuricatta(options: SwupdateOptions = {}): Promise<SwupdateAgent> {
  const port = await freePort()
  const { dir, profile } = await prepare(HAWKBIT_EXAMPLE, (doc) => doc.setIn(['updateServer', 'port'], port))
  await serverPki(join(dir, 'tls'))
  const url = `https://127.0.0.1:${port}`
  await writeFile(
    join(dir, 'swupdate.cfg'),
    [
      // SWUpdate refuses a configuration file without a globals section.
      'globals: {',
      '  loglevel = 5;',
      '};',
      'suricatta: {',
      '  tenant = "DEFAULT";',
      `  id = "${CONTROLLER_ID}";`,
      `  url = "${url}";`,
      '  polldelay = 2;',
      `  cafile = "${join(dir, 'tls', 'vendor-ca.pem')}";`,
      '  retry = 1;',
      '  retrywait = 1;',
      '};',
      'identify: (',
      '  { name = "model"; value = "HB-200"; }',
      ');',
      '',
    ].join('\n'),
  )
  const args = ['-f', join(dir, 'swupdate.cfg'), ...common(dir, options), '-u', `-t DEFAULT -u ${url} -i ${CONTROLLER_ID}`]
  const agent = await launch(dir, args)
  return { dir, profile, port, pid: agent.pid, log: agent.log, stop: agent.stop }
}

/** The vendor CA and the update server's certificate for 127.0.0.1 (EC P-256, two days). */
async function serverPki(tls: string): Promise<void> {
  await mkdir(tls, { recursive: true })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  const ca = ['-CA', join(tls, 'vendor-ca.pem'), '-CAkey', join(tls, 'vendor-ca.key'), '-CAcreateserial']
  await run('openssl', [
    ...['req', '-x509', ...ec, '-keyout', join(tls, 'vendor-ca.key'), '-out', join(tls, 'vendor-ca.pem')],
    ...['-subj', '/CN=HB-200 vendor CA', '-days', '2'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ])
  await run('openssl', ['req', ...ec, '-keyout', join(tls, 'server.key'), '-out', join(tls, 'server.csr'), '-subj', '/CN=127.0.0.1'])
  await writeFile(join(tls, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  await run('openssl', [
    ...['x509', '-req', '-in', join(tls, 'server.csr'), ...ca],
    ...['-out', join(tls, 'server.pem'), '-days', '2', '-extfile', join(tls, 'server.ext')],
  ])
}

const common = (dir: string, options: SwupdateOptions): string[] => [
  ...['-k', join(dir, 'keys', 'vendor.crt'), '-H', `${BOARD}:${REVISION}`],
  ...(options.noDowngrade ? ['-N', options.noDowngrade] : []),
]

interface Launched {
  pid: number
  log(): string
  stop(): Promise<void>
  exited(): boolean
}

async function launch(dir: string, args: string[]): Promise<Launched> {
  // Its IPC sockets go to TMPDIR: one folder per agent, so agents side by side do not meet.
  const child = spawn('swupdate', args, { env: { PATH: process.env.PATH, TMPDIR: join(dir, 'tmp') }, stdio: ['ignore', 'pipe', 'pipe'] })
  let said = ''
  const keep = (d: Buffer) => (said = (said + d.toString()).slice(-20_000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject) // not installed: scripts/system-deps.sh installs swupdate
  })
  await spawned
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM')
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    }
  }
  return { pid: child.pid!, log: () => said, stop, exited: () => child.exitCode !== null || child.signalCode !== null }
}
