import { createHash, timingSafeEqual } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { UpdateEventStream } from './api-events.ts'
import type { ReferenceDut } from './device.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import { loginPage, supportPage } from './support-page.ts'

export const API_USER = 'admin'
const MAX_JSON_BYTES = 64 * 1024

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void

const STATUS_OF: Record<string, number> = {
  E_SIM_BAD_REQUEST: 400,
  E_SIM_BUSY: 409,
  E_SIM_NO_PENDING: 409,
  E_SIM_SETUP_DONE: 409,
  E_SIM_TOO_LARGE: 413,
  E_SIM_RESTARTING: 503,
}

/**
 * The device's HTTP API (JSON, basic auth as `admin`). `/api/info` and `/support` are public, as a
 * type label and a vendor web page are. Every request is logged by method, path and status only.
 */
export class ApiServer {
  private readonly server: Server
  private readonly routes: Map<string, Map<string, Handler>>
  private readonly publicPaths = new Set(['/', '/api/info', '/support', '/login'])
  private readonly passwordDigest: Buffer
  private readonly events: UpdateEventStream
  private address = ''

  constructor(
    private readonly device: ReferenceDut,
    password: string,
  ) {
    if (password.length < 8) throw new SimError('E_SIM_CONFIG', 'the API password must have at least 8 characters')
    // Only a digest is kept, so the password cannot leak through a dump of this object.
    this.passwordDigest = sha256(password)
    this.routes = this.table()
    this.server = createServer((req, res) => void this.handle(req, res))
    // The update status pushed over a WebSocket (api-events.ts), behind the same login.
    this.events = new UpdateEventStream(device, (header) => this.authorized(header))
    this.server.on('upgrade', (req, socket, head) => this.events.upgrade(req, socket, head))
  }

  listen(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject)
        this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
        resolve(this.address)
      })
    })
  }

  get url(): string {
    return this.address
  }

  async close(): Promise<void> {
    await this.events.close()
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private table(): Map<string, Map<string, Handler>> {
    const d = this.device
    const t: Array<[string, string, Handler]> = [
      ['GET', '/api/info', (_q, res) => sendJson(res, 200, d.info())],
      ['GET', '/support', (_q, res) => this.support(res)],
      ['GET', '/login', (_q, res) => sendHtml(res, 200, loginPage())],
      ['GET', '/api/settings', (_q, res) => sendJson(res, 200, d.settings.view())],
      ['PUT', '/api/settings', async (req, res) => sendJson(res, 200, d.changeSettings(await readJson(req), 'http'))],
      ['POST', '/api/setup/consent', async (req, res) => sendJson(res, 200, d.answerConsent(await readJson(req), 'http'))],
      ['POST', '/api/update/postpone', async (req, res) => sendJson(res, 200, d.postponeUpdates(daysOf(await readJson(req)), 'http'))],
      [
        'POST',
        '/api/notifications/postpone',
        async (req, res) => sendJson(res, 200, d.postponeNotifications(daysOf(await readJson(req)), 'http')),
      ],
      ['GET', '/api/notifications', (_q, res) => sendJson(res, 200, { notifications: d.notifications.list() })],
      ['POST', '/api/update', (req, res) => this.upload(req, res)],
      ['POST', '/api/update/check', (_q, res) => sendJson(res, 202, d.checkNow())],
      [
        'POST',
        '/api/update/install-pending',
        async (_q, res) => {
          const result = await d.client.installPending()
          sendJson(res, 200, result)
        },
      ],
      ['GET', '/api/update/status', (_q, res) => sendJson(res, 200, d.statusView())],
      [
        'POST',
        '/api/reboot',
        (_q, res) => {
          d.reboot()
          sendJson(res, 202, { restarting: true })
        },
      ],
      [
        'POST',
        '/api/factory-reset',
        async (_q, res) => {
          await d.factoryReset()
          sendJson(res, 202, { restarting: true })
        },
      ],
      [
        'POST',
        '/api/service/restore-baseline',
        async (_q, res) => {
          await d.restoreBaseline()
          sendJson(res, 202, { restarting: true, ...d.info().firmware })
        },
      ],
      ['GET', '/api/service/log', (_q, res) => sendJson(res, 200, { entries: d.log.all() })],
      ['GET', '/', (_q, res) => sendJson(res, 200, { model: d.model, api: '/api/info', support: '/support' })],
    ]
    const routes = new Map<string, Map<string, Handler>>()
    for (const [method, path, handler] of t) {
      if (!routes.has(path)) routes.set(path, new Map())
      routes.get(path)!.set(method, handler)
    }
    return routes
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://device').pathname
    res.on('finish', () => this.device.log.add('api', `${req.method} ${path} → ${res.statusCode}`))
    try {
      // Outside mode api the device has no lab API: only the published support page is served.
      if (this.device.mode !== 'api' && path !== '/support' && path !== '/login')
        return discard(req, () => sendJson(res, 404, { code: 'E_SIM_NOT_FOUND', error: `no such resource ${path}` }))
      if (!this.device.isUp) {
        const seconds = Math.max(1, Math.ceil(this.device.restartRemainingMs / 1000))
        res.setHeader('retry-after', String(seconds))
        return discard(req, () => sendJson(res, 503, { code: 'E_SIM_RESTARTING', error: 'the device is restarting' }))
      }
      const byMethod = this.routes.get(path)
      if (!byMethod) return discard(req, () => sendJson(res, 404, { code: 'E_SIM_NOT_FOUND', error: `no such resource ${path}` }))
      const handler = byMethod.get(req.method ?? 'GET')
      if (!handler) {
        res.setHeader('allow', [...byMethod.keys()].join(', '))
        return discard(req, () => sendJson(res, 405, { code: 'E_SIM_METHOD', error: `${req.method} not allowed on ${path}` }))
      }
      if (!this.publicPaths.has(path) && !this.authorized(req.headers.authorization)) {
        res.setHeader('www-authenticate', 'Basic realm="TS701-REF-1", charset="UTF-8"')
        return discard(req, () => sendJson(res, 401, { code: 'E_SIM_AUTH', error: 'login required' }))
      }
      await handler(req, res)
    } catch (err) {
      const status = err instanceof SimError ? (STATUS_OF[err.code] ?? 500) : 500
      if (status === 500) this.device.log.add('api', `internal error: ${errorMessage(err)}`)
      if (!res.headersSent) sendJson(res, status, { code: errorCode(err), error: errorMessage(err) })
      else res.destroy()
    }
  }

  private support(res: ServerResponse): void {
    if (this.device.flaws.has('support-page-login')) {
      res.setHeader('location', '/login?next=%2Fsupport')
      sendHtml(res, 302, '<!doctype html><p>Please <a href="/login?next=%2Fsupport">sign in</a> to continue.</p>\n')
      return
    }
    sendHtml(res, 200, supportPage())
  }

  /**
   * UpdMech-LocalUpload: the body streams into a staging file (never into memory), then the same
   * verification and installation as an update from the network runs on it.
   */
  private async upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const d = this.device
    const bootId = d.bootId
    const file = d.stagingFile('upload')
    let received: Received
    try {
      received = await receive(req, file, d.maxImageBytes)
    } catch (err) {
      await rm(file, { force: true })
      d.log.add('install', `upload failed: ${errorMessage(err)}`, { code: errorCode(err) })
      if (!res.headersSent && !res.destroyed)
        sendJson(res, 400, {
          accepted: false,
          code: errorCode(err),
          reason: errorMessage(err),
          message: `The upload failed: ${errorMessage(err)}`,
        })
      return
    }
    if (received.tooLarge) {
      await rm(file, { force: true })
      const reason = `the image (${received.bytes} bytes) exceeds the ${d.maxImageBytes}-byte staging area`
      d.log.add('install', `upload refused: ${reason}`)
      sendJson(res, 413, { accepted: false, code: 'E_SIM_TOO_LARGE', reason, message: `This file is too large for this device: ${reason}` })
      return
    }
    d.log.add('install', `received upload of ${received.bytes} bytes`, { sha256: received.sha256 })
    const result = await d.installUpload(file, bootId)
    // A rejected image is a valid answer to a valid request: 200 with accepted false and the reason.
    sendJson(res, 200, result)
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
    if (!match) return false
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return false
    const userOk = decoded.slice(0, colon) === API_USER
    const passOk = timingSafeEqual(sha256(decoded.slice(colon + 1)), this.passwordDigest)
    return userOk && passOk
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) })
  res.end(html)
}

interface Received {
  bytes: number
  sha256: string
  tooLarge: boolean
}

/**
 * Streams a request body into `file` with backpressure; never more than `max` bytes are kept.
 * Past the limit the rest is read and dropped so the client still gets its answer; a sender that
 * goes on for much longer (endless data) is cut off.
 */
function receive(req: IncomingMessage, file: string, max: number): Promise<Received> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file)
    const hash = createHash('sha256')
    let bytes = 0
    let tooLarge = false
    const cutOff = max + Math.max(max, 16 * 1024 * 1024)
    out.on('error', (err) => {
      if (tooLarge) return
      req.destroy()
      reject(err)
    })
    req.on('error', reject)
    req.on('aborted', () => reject(new SimError('E_SIM_BAD_REQUEST', 'upload aborted by the client')))
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (tooLarge) {
        if (bytes > cutOff) req.destroy()
        return
      }
      if (bytes > max) {
        tooLarge = true
        out.end()
        return
      }
      hash.update(chunk)
      if (!out.write(chunk)) {
        req.pause()
        out.once('drain', () => req.resume())
      }
    })
    req.on('end', () => {
      if (tooLarge) out.close(() => resolve({ bytes, sha256: '', tooLarge }))
      else out.end(() => resolve({ bytes, sha256: hash.digest('hex'), tooLarge }))
    })
  })
}

/** Answers without keeping a body the device does not want (an upload during a restart, say). */
function discard(req: IncomingMessage, answer: () => void): void {
  req.resume()
  answer()
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8')
    if (text.length > MAX_JSON_BYTES) throw new SimError('E_SIM_BAD_REQUEST', `request body larger than ${MAX_JSON_BYTES} bytes`)
  }
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new SimError('E_SIM_BAD_REQUEST', 'request body is not JSON')
  }
}

function daysOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>).days : undefined
}
