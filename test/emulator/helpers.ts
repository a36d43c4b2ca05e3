import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { vi } from 'vitest'
import { afterEachFile, afterEachTest } from '../hooks.ts'
import { UpdateServerEmulator, type EmulatorOptions, type Hit, type OfferedImage } from '../../emulator/index.ts'
import type { EmulatorRoute } from '../../profile/types.ts'

export const HOST = '127.0.0.1'

/** Emulators and agents opened by a test are closed after it, whatever happened. */
const openEmulators = new Set<UpdateServerEmulator>()
const openAgents = new Set<Agent>()

afterEachTest(async () => {
  await Promise.all([...openAgents].map((a) => a.destroy()))
  openAgents.clear()
  await Promise.all([...openEmulators].map((e) => e.close()))
  openEmulators.clear()
})

export async function startEmulator(routes: EmulatorRoute[], options: Partial<EmulatorOptions> = {}): Promise<UpdateServerEmulator> {
  const emulator = await UpdateServerEmulator.start({ host: HOST, port: 0, imagePath: '/firmware/{{image.name}}', routes, ...options })
  openEmulators.add(emulator)
  return emulator
}

/**
 * The hit log once it holds `count` hits. A hit is recorded when its answer has been handed to the
 * connection, which can be a moment after the client (in this same process) has read it.
 */
export async function settledHits(emulator: UpdateServerEmulator, count: number): Promise<Hit[]> {
  await vi.waitFor(
    () => {
      if (emulator.hits().length < count) throw new Error(`${emulator.hits().length} of ${count} hits recorded`)
    },
    { timeout: 5_000, interval: 5 },
  )
  return emulator.hits()
}

export function agent(options: ConstructorParameters<typeof Agent>[0] = {}): Agent {
  const a = new Agent(options)
  openAgents.add(a)
  return a
}

const defaultAgent = (): Agent => agent()
let shared: Agent | undefined

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
}

/** One request with undici; a fresh keep-alive pool per test unless an agent is given. */
export async function fetchRaw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; dispatcher?: Agent } = {},
): Promise<Answer> {
  if (!shared || !openAgents.has(shared)) shared = defaultAgent()
  const res = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers,
    body: options.body,
    dispatcher: options.dispatcher ?? shared,
  })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8') }
}

// --- images ----------------------------------------------------------------------------------

const tempDirs: string[] = []
afterEachFile(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })))
})

export interface TestImage extends OfferedImage {
  bytes?: Buffer
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-emulator-'))
  tempDirs.push(dir)
  return dir
}

/** A random image of `size` bytes, written in 1 MiB chunks (large ones are not kept in memory). */
export async function makeImage(size: number, name = 'fw-2.0.bin', version = '2.0.0', keep = size <= 1 << 20): Promise<TestImage> {
  const dir = await tempDir()
  const path = join(dir, name)
  const out = createWriteStream(path)
  const sha256 = createHash('sha256')
  const kept: Buffer[] = []
  for (let left = size; left > 0;) {
    const chunk = randomBytes(Math.min(left, 1 << 20))
    sha256.update(chunk)
    if (keep) kept.push(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
    left -= chunk.length
  }
  out.end()
  await once(out, 'finish')
  return { name, path, size, sha256: sha256.digest('hex'), version, ...(keep ? { bytes: Buffer.concat(kept) } : {}) }
}

// --- raw sockets -----------------------------------------------------------------------------

/** A TCP connection to the emulator, for clients that misbehave. */
export async function rawConnect(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  await once(socket, 'connect')
  return socket
}

/** Everything the server sends until it closes the connection (or `timeoutMs`). */
export function readUntilClose(socket: Socket, timeoutMs = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const timer = setTimeout(() => done(false), timeoutMs)
    const done = (closed: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed })
    }
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', () => {})
    socket.once('close', () => done(true))
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}
