import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { deriveAttacks, type AttackImage } from '../../fixtures/attacks.ts'
import type { ImageSource } from '../../core/dut.ts'
import type { LogEntry } from '../../sim/log.ts'
import { PASSWORD_ENV } from '../../sim/profile.ts'
import { createReferenceSetup, type ReferenceSetup, type ReferenceSetupOptions } from '../../sim/setup.ts'

/** One device day in 0.2 real seconds: fast enough for many checks in a test. */
export const FAST = 432_000

export interface Harness {
  setup: ReferenceSetup
  api: Api
  /** Every device log entry written so far (also the ones before the test looked). */
  logged: LogEntry[]
  close(): Promise<void>
}

export async function startDevice(options: ReferenceSetupOptions = {}): Promise<Harness> {
  const logged: LogEntry[] = []
  const setup = await createReferenceSetup({ timeScale: FAST, ...options, onLog: (e) => logged.push(e) })
  const api = new Api(setup.apiUrl, setup.env[PASSWORD_ENV]!)
  return {
    setup,
    api,
    logged,
    close: async () => {
      await api.close()
      await setup.close()
    },
  }
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** The lab's side of the device API, with the credentials of the setup. */
export class Api {
  private readonly agent = new Agent({ keepAliveTimeout: 10 })

  constructor(
    readonly baseUrl: string,
    private readonly password: string,
  ) {}

  async call(method: string, path: string, options: { body?: unknown; auth?: false | string; raw?: ImageSource } = {}): Promise<Answer> {
    const headers: Record<string, string> = {}
    if (options.auth !== false) headers.authorization = `Basic ${Buffer.from(`admin:${options.auth ?? this.password}`).toString('base64')}`
    let body: string | NodeJS.ReadableStream | undefined
    if (options.raw) {
      headers['content-type'] = 'application/octet-stream'
      headers['content-length'] = String(options.raw.size)
      body = createReadStream(options.raw.path)
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    const res = await request(new URL(path, this.baseUrl), {
      method: method as 'GET',
      headers,
      body: body as string,
      dispatcher: this.agent,
    })
    const text = await res.body.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.statusCode, headers: res.headers, text, json }
  }

  /** Like `call`, but waits out a restart (503) first. */
  async ready(method: string, path: string, options: Parameters<Api['call']>[2] = {}): Promise<Answer> {
    const deadline = Date.now() + 10_000
    for (;;) {
      const answer = await this.call(method, path, options)
      if (answer.status !== 503 || Date.now() > deadline) return answer
      await sleep(5)
    }
  }

  get(path: string) {
    return this.ready('GET', path)
  }

  post(path: string, body?: unknown) {
    return this.ready('POST', path, body === undefined ? {} : { body })
  }

  put(path: string, body: unknown) {
    return this.ready('PUT', path, { body })
  }

  upload(image: ImageSource) {
    return this.ready('POST', '/api/update', { raw: image })
  }

  async version(): Promise<string> {
    return (await this.get('/api/info')).json.firmware.version
  }

  /** Polls the update status until `done` says so. */
  async status(done: (s: any) => boolean, timeoutMs = 10_000): Promise<any> {
    let last: any
    await waitFor(
      async () => {
        last = (await this.get('/api/update/status')).json
        return done(last)
      },
      timeoutMs,
      () => `update status stayed ${JSON.stringify(last)}`,
    )
    return last
  }

  close(): Promise<void> {
    return this.agent.close()
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  why: () => string = () => 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${why()}`)
    await sleep(10)
  }
}

export interface Hit {
  path: string
  query: URLSearchParams
  /** performance.now() when it arrived. */
  at: number
}

export interface OfferOptions {
  security?: boolean
  risks?: string
  /** Announce this size instead of the file's. */
  size?: number
  /** Announce this hash instead of the file's. */
  sha256?: string
  /** Bytes appended after the file when serving it (endless-data attack). */
  extraBytes?: number
}

/**
 * A tiny vendor update server for the tests (the real emulator is the harness's), speaking the
 * protocol of the profile's routes.
 */
export class StubUpdateServer {
  readonly hits: Hit[] = []
  /** TLS handshakes that failed (a client refusing the certificate shows up here, not in `hits`). */
  tlsErrors = 0
  private offered: { image: ImageSource; version: string; options: OfferOptions } | undefined
  private readonly sockets = new Set<Socket>()
  private constructor(private readonly server: Server) {}

  static async start(url: string, tls?: { certPem: string; keyPem: string }): Promise<StubUpdateServer> {
    const { protocol, port } = new URL(url)
    let stub!: StubUpdateServer
    const handler = (req: IncomingMessage, res: ServerResponse) => stub.handle(req, res)
    const server = protocol === 'https:' ? createHttpsServer({ cert: tls!.certPem, key: tls!.keyPem }, handler) : createHttpServer(handler)
    stub = new StubUpdateServer(server)
    server.on('tlsClientError', () => (stub.tlsErrors += 1))
    // Every socket, also one still in its TLS handshake, which closeAllConnections does not know yet.
    server.on('connection', (socket: Socket) => {
      stub.sockets.add(socket)
      socket.on('close', () => stub.sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(Number(port), '127.0.0.1', () => resolve())
    })
    return stub
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port
  }

  checks(): Hit[] {
    return this.hits.filter((h) => h.path === '/v1/check')
  }

  offer(image: ImageSource, version: string, options: OfferOptions = {}): void {
    this.offered = { image, version, options }
  }

  idle(): void {
    this.offered = undefined
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
      for (const socket of this.sockets) socket.destroy()
    })
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stub')
    this.hits.push({ path: url.pathname, query: url.searchParams, at: performance.now() })
    const offered = this.offered
    if (url.pathname === '/v1/check') {
      const body = offered
        ? {
            available: true,
            version: offered.version,
            url: `/images/${offered.image.name}`,
            sha256: offered.options.sha256 ?? offered.image.sha256,
            size: offered.options.size ?? offered.image.size,
            ...(offered.options.security ? { security: true, risks: offered.options.risks } : {}),
          }
        : { available: false }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      return
    }
    if (offered && url.pathname === `/images/${offered.image.name}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const extra = offered.options.extraBytes ?? 0
      const file = createReadStream(offered.image.path)
      // An image removed after its test (the device polls on) ends the download, not the test run.
      file.on('error', () => res.destroy())
      file.pipe(res, { end: extra === 0 })
      if (extra > 0) {
        file.on('end', () => {
          // Keeps sending until the device hangs up or the extra bytes are out.
          const chunk = Buffer.alloc(16 * 1024, 0x41)
          let left = extra
          const pump = () => {
            while (left > 0 && !res.destroyed) {
              left -= chunk.length
              if (!res.write(chunk)) return void res.once('drain', pump)
            }
            res.end()
          }
          pump()
        })
      }
      return
    }
    res.writeHead(404).end()
  }
}

/** The attack images the fixtures derive from the setup's valid image, by name. */
export async function attacksFor(setup: ReferenceSetup): Promise<{ byName: Map<string, AttackImage>; cleanup(): Promise<void> }> {
  const workDir = await mkdtemp(join(tmpdir(), 'ts701-sim-attacks-'))
  const attacks = await deriveAttacks({
    format: 'ts701',
    valid: setup.images.valid,
    older: setup.images.older,
    workDir,
    vendorKey: setup.vendorKey,
    prepared: [{ name: 'other-hardware', description: 'prepared', path: setup.images.otherHardware.path }],
  })
  return { byName: new Map(attacks.map((a) => [a.name, a])), cleanup: () => rm(workDir, { recursive: true, force: true }) }
}
