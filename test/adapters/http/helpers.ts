import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEachTest } from '../../hooks.ts'
import type { Dut, ImageSource } from '../../../core/dut.ts'
import { EvidenceLog, type RecordedEntry } from '../../../core/evidence.ts'
import { createHttpDut } from '../../../adapters/http/index.ts'
import type { HttpAdapterConfig, HttpDutProfile, OperationMap } from '../../../adapters/http/profile.ts'
import { fakeProfileCommon } from '../fake-profile.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEachTest(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

export interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

/** A fake device on node:http; `requests` lists what it was sent, bodies included. */
export async function fakeDevice(
  handler: (req: IncomingMessage & { body: Buffer }, res: ServerResponse) => void | Promise<void>,
): Promise<{ url: string; port: number; requests: Seen[]; server: Server }> {
  const requests: Seen[] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
    await handler(Object.assign(req, { body }), res)
  })
  // Upgraded (WebSocket) sockets leave the server's bookkeeping; close them too.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await listen(server)
  cleanups.push(async () => {
    for (const s of sockets) s.destroy()
    await closeServer(server)
  })
  return { url: `http://127.0.0.1:${port}`, port, requests, server }
}

/** A fake device speaking raw TCP, for answers node:http would never send. */
export async function rawDevice(onConnection: (socket: Socket) => void): Promise<{ url: string; port: number; server: NetServer }> {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    onConnection(socket)
  })
  const port = await listen(server)
  cleanups.push(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { url: `http://127.0.0.1:${port}`, port, server }
}

/** Reads a raw HTTP request's head from a socket, then calls back with the head text. */
export function onRequestHead(socket: Socket, then: (head: string, rest: Buffer) => void): void {
  let buffer = Buffer.alloc(0)
  const onData = (d: Buffer) => {
    buffer = Buffer.concat([buffer, d])
    const end = buffer.indexOf('\r\n\r\n')
    if (end < 0) return
    socket.off('data', onData)
    then(buffer.subarray(0, end).toString('latin1'), buffer.subarray(end + 4))
  }
  socket.on('data', onData)
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createNetServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export function listen(server: Server | NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

export function profile(baseUrl: string, operations: OperationMap, adapter: Partial<HttpAdapterConfig> = {}): HttpDutProfile {
  return {
    ...fakeProfileCommon('fake device'),
    adapter: { kind: 'http', baseUrl, lenient: false, timeouts: { defaultMs: 2000, operations: {} }, ...adapter },
    operations,
  }
}

/** An adapter for the profile with an in-memory evidence log; closed after the test. */
export function dutFor(
  p: HttpDutProfile,
  env: NodeJS.ProcessEnv = {},
): { dut: Dut; evidence: EvidenceLog; entries: () => RecordedEntry[] } {
  const evidence = new EvidenceLog()
  const dut = createHttpDut(p, { evidence, env })
  cleanups.push(() => dut.close())
  return { dut, evidence, entries: () => evidence.since(0) }
}

/** A temporary folder removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-http-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A file of pseudo-random bytes, as an ImageSource. */
export async function imageFile(dir: string, name: string, size: number): Promise<ImageSource> {
  const data = Buffer.alloc(size)
  let x = 0x12345678
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    data[i] = x >>> 24
  }
  const path = join(dir, `${name}.bin`)
  await writeFile(path, data)
  return { name, path, size, sha256: createHash('sha256').update(data).digest('hex') }
}

export const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(value))
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the promise to reject')
}

/** A WebSocket endpoint by hand (RFC 6455): the handshake, then unmasked text frames. */
export function acceptWebSocket(req: IncomingMessage, socket: Socket): (text: string) => void {
  const key = req.headers['sec-websocket-key'] ?? ''
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
  socket.on('error', () => {})
  return (text) => {
    const payload = Buffer.from(text)
    const header =
      payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff])
    socket.write(Buffer.concat([header, payload]))
  }
}
