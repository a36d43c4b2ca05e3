import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import type { ReferenceDut } from './device.ts'
import type { StatusView } from './status.ts'

/** Where the HTTP API pushes the update status (a WebSocket upgrade of a GET). */
export const UPDATE_EVENTS_PATH = '/api/update/events'

/** What a client may send: nothing the device reads, so a little for pings and a close reason. */
const MAX_PAYLOAD = 1024
/** 1012 "service restart": the device goes down and the client should come back. */
const CLOSE_RESTART = 1012
const CLOSE_GOING_AWAY = 1001

/**
 * `GET /api/update/events` upgraded to a WebSocket: the update status (as `/api/update/status`
 * shows it) as one JSON text message when the socket opens and again on every change, the way
 * web-upload devices tell their page how an installation went. Basic auth as the rest of the
 * API; a restart closes every socket (1012), and the client opens a new one after the boot.
 */
export class UpdateEventStream {
  /**
   * Made at the first upgrade: most runs never open the stream, and the ws library costs every
   * start of the simulated device a twentieth of a second of CPU otherwise.
   */
  private wss: Promise<WebSocketServer> | undefined
  private readonly unsubscribe: Array<() => void>
  private last = ''

  constructor(
    private readonly device: ReferenceDut,
    private readonly authorized: (header: string | undefined) => boolean,
  ) {
    this.unsubscribe = [
      device.signals.status.on((view) => this.changed(view)),
      device.signals.power.on((e) => {
        if (!e.up) this.withServer((wss) => this.closeAll(wss, CLOSE_RESTART, 'the device restarts'))
      }),
    ]
  }

  /** Handles the server's `upgrade` event; answers other paths 404 and refusals with a status line. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://device').pathname
    const refuse = (status: number, text: string, headers: Record<string, string> = {}) => {
      const lines = Object.entries({ ...headers, 'content-length': '0', connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`)
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${lines.join('')}\r\n`)
      this.device.log.add('api', `${req.method} ${path} (WebSocket) → ${status}`)
    }
    socket.on('error', () => {})
    // The stream belongs to the lab API: agents of the other modes have none.
    if (path !== UPDATE_EVENTS_PATH || this.device.mode !== 'api') return refuse(404, 'Not Found')
    if (req.method !== 'GET') return refuse(405, 'Method Not Allowed', { allow: 'GET' })
    if (!this.device.isUp) {
      const seconds = Math.max(1, Math.ceil(this.device.restartRemainingMs / 1000))
      return refuse(503, 'Service Unavailable', { 'retry-after': String(seconds) })
    }
    if (!this.authorized(req.headers.authorization)) {
      return refuse(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="TS701-REF-1", charset="UTF-8"' })
    }
    this.wss ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD }))
    void this.wss.then(
      (wss) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          this.device.log.add('api', `${req.method} ${path} → 101 (WebSocket)`)
          ws.on('error', () => {})
          ws.send(JSON.stringify(this.device.statusView()))
        }),
      () => socket.destroy(),
    )
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off()
    const wss = await this.wss?.catch(() => undefined)
    if (!wss) return
    this.closeAll(wss, CLOSE_GOING_AWAY, 'the device is switched off')
    for (const ws of wss.clients) ws.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
  }

  /** Only what changed: a check re-announcing the same state is no news. */
  private changed(view: StatusView): void {
    const { lastCheck: _check, ...shown } = view
    const key = JSON.stringify(shown)
    if (key === this.last) return
    this.last = key
    const text = JSON.stringify(view)
    this.withServer((wss) => {
      for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send(text)
    })
  }

  /** Runs `use` on the server once it is made; nothing to do while no client ever upgraded. */
  private withServer(use: (wss: WebSocketServer) => void): void {
    void this.wss?.then(use, () => undefined)
  }

  private closeAll(wss: WebSocketServer, code: number, reason: string): void {
    for (const ws of wss.clients as Set<WebSocket>) ws.close(code, reason)
  }
}
