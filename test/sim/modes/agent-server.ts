/**
 * A small update server for the mode tests, standing where the emulator stands in a run: it
 * records every request the device makes (method, path, query, JSON body) and answers with what
 * the test's handler says. HTTPS with the setup's server certificate, as the device pins it.
 */
import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { Socket } from 'node:net'
import type { ImageSource } from '../../../core/dut.ts'
import type { ReferenceSetup } from '../../../sim/setup.ts'
import { waitFor } from '../helpers.ts'

export interface Request {
  method: string
  path: string
  query: URLSearchParams
  body: any
}

export type Answer = { status: number; json?: unknown } | { image: ImageSource }

export type Handler = (req: Request) => Answer

export class AgentServer {
  readonly requests: Request[] = []
  handler: Handler = () => ({ status: 404 })
  private readonly sockets = new Set<Socket>()
  private readonly server: Server

  private constructor(setup: ReferenceSetup) {
    this.server = createServer({ cert: setup.tls.server.certPem, key: setup.tls.server.keyPem }, (req, res) => void this.handle(req, res))
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  static async start(setup: ReferenceSetup): Promise<AgentServer> {
    const agent = new AgentServer(setup)
    const port = Number(new URL(setup.updateServerUrl).port)
    await new Promise<void>((resolve, reject) => {
      agent.server.once('error', reject)
      agent.server.listen(port, '127.0.0.1', () => resolve())
    })
    return agent
  }

  to(method: string, path: string | RegExp): Request[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)))
  }

  /** Waits until some request satisfies `test`; returns the first that does. */
  async seen(test: (r: Request) => boolean, timeoutMs = 10_000, from = 0): Promise<Request> {
    let found: Request | undefined
    await waitFor(
      () => (found = this.requests.slice(from).find(test)) !== undefined,
      timeoutMs,
      () =>
        `no such request among ${
          this.requests
            .slice(from)
            .map((r) => `${r.method} ${r.path}`)
            .join(', ') || 'none'
        }`,
    )
    return found!
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
      for (const s of this.sockets) s.destroy()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = ''
    for await (const chunk of req) text += (chunk as Buffer).toString('utf8')
    const url = new URL(req.url ?? '/', 'https://agent')
    let body: unknown
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      body = text
    }
    const request = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body }
    this.requests.push(request)
    const answer = this.handler(request)
    if ('image' in answer) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(answer.image.size) })
      createReadStream(answer.image.path).pipe(res)
      return
    }
    if (answer.json === undefined) return void res.writeHead(answer.status).end()
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json))
  }
}
