/**
 * MQTT brokers for tests, on loopback only: aedes in-process, and a real mosquitto (the Debian
 * package) as a child process with a generated configuration. With TS701_MOSQUITTO_URL set (CI
 * starts one) plain requests use that broker; requests that need a configuration of their own
 * (WebSockets, TLS, a password file) or a broker they may kill always get their own process. A
 * missing mosquitto is an error that says what to install, never a skipped test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { Aedes, type AedesOptions } from 'aedes'
import { freePort } from '../sim/ports.ts'

export interface TestBroker {
  /** `mqtt://127.0.0.1:<port>` (or `mqtts://` with TLS). */
  url: string
  close(): Promise<void>
}

export interface AedesBroker extends TestBroker {
  broker: Aedes
}

export interface MosquittoBroker extends TestBroker {
  /** The WebSockets listener, when asked for. */
  wsUrl?: string
  /** Whether this broker is a process of its own (false: the shared one of TS701_MOSQUITTO_URL). */
  dedicated: boolean
  /** What mosquitto printed, for failure messages. */
  log(): string
}

export interface MosquittoOptions {
  /** A WebSockets listener too (`wsUrl`). */
  websockets?: boolean
  /** The main listener speaks TLS with this certificate; `requireClientCert` wants a client certificate signed by `caPem`. */
  tls?: { certPem: string; keyPem: string; caPem: string; requireClientCert?: boolean }
  /** No anonymous access: these users (made with mosquitto_passwd), or a password file of your own. */
  passwordFile?: string | Array<{ username: string; password: string }>
  /** A broker of its own even where TS701_MOSQUITTO_URL names a shared one (e.g. to kill it). */
  dedicated?: boolean
  /** The port of the main listener (to bring a broker back where it was); a free one by default. */
  port?: number
}

const MOSQUITTO_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']
const READY_TIMEOUT_MS = 10_000

/** aedes in-process on an ephemeral loopback port (or `port`, to bring a broker back where it was). */
export async function startAedes(options: AedesOptions & { port?: number } = {}): Promise<AedesBroker> {
  const { port: wanted, ...aedesOptions } = options
  const broker = await Aedes.createBroker(aedesOptions)
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    broker.handle(socket)
  })
  const port = await listen(server, wanted)
  let closed = false
  return {
    url: `mqtt://127.0.0.1:${port}`,
    broker,
    async close() {
      if (closed) return
      closed = true
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => broker.close(() => resolve()))
    },
  }
}

/** The mosquitto binary, or an error that says how to get it. */
export function mosquittoBinary(): string {
  const found = MOSQUITTO_CANDIDATES.find((p) => existsSync(p)) ?? onPath('mosquitto')
  if (!found) {
    throw new Error(
      'mosquitto is not installed: install the Debian package mosquitto (apt-get install mosquitto, or run scripts/system-deps.sh as root); the MQTT tests need a real broker',
    )
  }
  return found
}

/** mosquitto_passwd, or undefined where it is not installed. */
export function mosquittoPasswd(): string | undefined {
  return ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) => existsSync(p)) ?? onPath('mosquitto_passwd')
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const shared = process.env.TS701_MOSQUITTO_URL
  const plain = !options.websockets && !options.tls && !options.passwordFile && !options.dedicated && options.port === undefined
  if (shared && plain) {
    return { url: shared, dedicated: false, log: () => `(the shared broker at ${shared})`, close: async () => {} }
  }
  const binary = mosquittoBinary()
  const dir = await mkdtemp(join(tmpdir(), 'ts701-mosquitto-'))
  try {
    const config = await writeConfig(dir, options)
    // A free port can be taken between asking and binding; try again with another.
    let lastError: unknown
    for (let attempt = 0; attempt < (options.port === undefined ? 3 : 1); attempt++) {
      try {
        return await launch(binary, dir, config, options)
      } catch (err) {
        lastError = err
      }
    }
    throw lastError
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

interface Config {
  passwordFile?: string
  tlsFiles?: { cert: string; key: string; ca: string }
}

async function writeConfig(dir: string, options: MosquittoOptions): Promise<Config> {
  const config: Config = {}
  if (options.passwordFile) {
    if (typeof options.passwordFile === 'string') {
      config.passwordFile = options.passwordFile
    } else {
      const tool = mosquittoPasswd()
      if (!tool) throw new Error('mosquitto_passwd is not installed (it comes with the Debian package mosquitto)')
      const file = join(dir, 'passwords')
      for (const [i, user] of options.passwordFile.entries()) {
        const args = [...(i === 0 ? ['-c'] : []), '-b', file, user.username, user.password]
        const run = spawnSync(tool, args, { encoding: 'utf8' })
        if (run.status !== 0) throw new Error(`mosquitto_passwd failed: ${run.stderr || run.stdout}`)
      }
      config.passwordFile = file
    }
  }
  if (options.tls) {
    const files = { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), ca: join(dir, 'ca.pem') }
    await writeFile(files.cert, options.tls.certPem)
    await writeFile(files.key, options.tls.keyPem)
    await chmod(files.key, 0o600)
    await writeFile(files.ca, options.tls.caPem)
    config.tlsFiles = files
  }
  return config
}

async function launch(binary: string, dir: string, config: Config, options: MosquittoOptions): Promise<MosquittoBroker> {
  const port = options.port ?? (await freePort())
  const wsPort = options.websockets ? await freePort() : undefined
  const lines = [
    'persistence false',
    'per_listener_settings false',
    `allow_anonymous ${config.passwordFile ? 'false' : 'true'}`,
    ...(config.passwordFile ? [`password_file ${config.passwordFile}`] : []),
    // As root mosquitto drops to the user mosquitto, who cannot read the files in our private folder.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    `listener ${port} 127.0.0.1`,
    ...(config.tlsFiles
      ? [
          `certfile ${config.tlsFiles.cert}`,
          `keyfile ${config.tlsFiles.key}`,
          `cafile ${config.tlsFiles.ca}`,
          `require_certificate ${options.tls?.requireClientCert ? 'true' : 'false'}`,
        ]
      : []),
    ...(wsPort !== undefined ? [`listener ${wsPort} 127.0.0.1`, 'protocol websockets'] : []),
  ]
  const file = join(dir, `mosquitto-${port}.conf`)
  await writeFile(file, `${lines.join('\n')}\n`)

  const child = spawn(binary, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.once('error', (err) => {
    output += `\n${err.message}`
  })

  try {
    await waitListening(port, exited, () => output)
    if (wsPort !== undefined) await waitListening(wsPort, exited, () => output)
  } catch (err) {
    await stop(child, exited)
    throw err
  }

  let closed = false
  const scheme = config.tlsFiles ? 'mqtts' : 'mqtt'
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    ...(wsPort !== undefined ? { wsUrl: `ws://127.0.0.1:${wsPort}` } : {}),
    dedicated: true,
    log: () => output,
    async close() {
      if (closed) return
      closed = true
      await stop(child, exited)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000)
  await exited
  clearTimeout(timer)
}

/** Resolves once something accepts TCP connections on the port; fails when the process exits first. */
async function waitListening(port: number, exited: Promise<number | null>, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  let gone: number | null | undefined
  void exited.then((code) => {
    gone = code
  })
  for (;;) {
    if (gone !== undefined) throw new Error(`mosquitto exited (code ${gone}) before listening on 127.0.0.1:${port}:\n${output()}`)
    if (await accepts(port)) return
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export { freePort }

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}
