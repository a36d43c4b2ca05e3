import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { UPDATE_EVENTS_PATH } from '../../../sim/api-events.ts'
import { PASSWORD_ENV } from '../../../sim/profile.ts'
import { startDevice, waitFor, type Harness } from '../helpers.ts'

interface Socket {
  ws: WebSocket
  states: any[]
  closed: Promise<{ code: number; reason: string }>
}

describe('HTTP API: the update status pushed over a WebSocket', () => {
  let h: Harness
  const open: WebSocket[] = []

  const url = (on = h) => on.setup.apiUrl.replace(/^http:/, 'ws:') + UPDATE_EVENTS_PATH
  const auth = (password = h.setup.env[PASSWORD_ENV]!) => ({
    authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
  })

  /** Opens the stream and collects every status it pushes. */
  async function subscribe(on = h): Promise<Socket> {
    const ws = new WebSocket(url(on), { headers: auth(on.setup.env[PASSWORD_ENV]) })
    open.push(ws)
    const states: any[] = []
    ws.on('message', (data) => states.push(JSON.parse(String(data))))
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    )
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return { ws, states, closed }
  }

  /** The HTTP status a refused upgrade answers with. */
  function refusal(headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url(), { headers })
      ws.on('unexpected-response', (_req, res) => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers })
        res.resume()
        ws.terminate()
      })
      ws.on('open', () => reject(new Error('the upgrade was accepted')))
      ws.on('error', () => {})
    })
  }

  beforeAll(async () => {
    h = await startDevice()
  })
  afterAll(async () => {
    for (const ws of open) ws.terminate()
    await h.close()
  })
  beforeEach(async () => {
    for (const ws of open.splice(0)) ws.terminate()
    if ((await h.api.version()) !== '1.0.0') await h.api.post('/api/service/restore-baseline')
    await waitFor(async () => (await h.api.version()) === '1.0.0')
  })

  it('wants the API login, as the rest of the API does', async () => {
    const none = await refusal({})
    expect(none.status).toBe(401)
    expect(String(none.headers['www-authenticate'])).toMatch(/^Basic /)
    expect((await refusal(auth('not-the-password'))).status).toBe(401)
  })

  it('greets with the current status, then pushes each change of an installation until it is installed', async () => {
    const s = await subscribe()
    await waitFor(() => s.states.length >= 1)
    expect(s.states[0]).toMatchObject({ version: '1.0.0', attempt: expect.any(Number) })
    const before = s.states.length
    const answer = await h.api.upload(h.setup.images.valid)
    expect(answer.json).toMatchObject({ accepted: true, version: '1.1.0' })
    await waitFor(() => s.states.some((x) => x.state === 'installed'))
    // The device's own periodic check (checking, idle) may come in between on a slow machine.
    const pushed = s.states
      .slice(before)
      .map((x) => x.state)
      .filter((state) => state !== 'checking' && state !== 'idle')
    expect(pushed).toEqual(['verifying', 'installed'])
    // The device restarts into the new version: the stream ends with "service restart".
    expect(await s.closed).toEqual({ code: 1012, reason: 'the device restarts' })
  })

  it('pushes a rejection with its reason', async () => {
    const s = await subscribe()
    await waitFor(() => s.states.length >= 1)
    const answer = await h.api.upload(h.setup.images.otherHardware)
    expect(answer.json).toMatchObject({ accepted: false })
    await waitFor(() => s.states.some((x) => x.state === 'rejected'))
    const rejected = s.states.find((x) => x.state === 'rejected')
    expect(rejected).toMatchObject({ version: '1.0.0', detail: expect.stringMatching(/^wrong-hardware: /) })
    expect(s.ws.readyState).toBe(WebSocket.OPEN)
  })

  it('refuses during a restart (503) and takes subscribers again after the boot', async () => {
    const slow = await startDevice({ timeScale: 30 })
    try {
      await slow.api.post('/api/reboot')
      const during = await new Promise<number>((resolve) => {
        const ws = new WebSocket(slow.setup.apiUrl.replace(/^http:/, 'ws:') + UPDATE_EVENTS_PATH, {
          headers: { authorization: `Basic ${Buffer.from(`admin:${slow.setup.env[PASSWORD_ENV]}`).toString('base64')}` },
        })
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0)
          res.resume()
          ws.terminate()
        })
        ws.on('open', () => resolve(101))
        ws.on('error', () => {})
      })
      expect(during).toBe(503)
      // /api/info answers once the boot is over; the stream does again too.
      expect(await slow.api.version()).toBe('1.0.0')
      const after = await subscribe(slow)
      await waitFor(() => after.states.length >= 1)
      expect(after.states[0]).toMatchObject({ version: '1.0.0' })
    } finally {
      await slow.close()
    }
  })

  it('answers other WebSocket paths with 404', async () => {
    const ws = new WebSocket(h.setup.apiUrl.replace(/^http:/, 'ws:') + '/api/update/status', { headers: auth() })
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0)
        res.resume()
        ws.terminate()
      })
      ws.on('open', () => resolve(101))
      ws.on('error', () => {})
    })
    expect(status).toBe(404)
  })

  it('is not there on an agent without the lab API (mode jobs)', async () => {
    const agent = await startDevice({ mode: 'jobs' })
    try {
      const ws = new WebSocket(url(agent), { headers: auth(agent.setup.env[PASSWORD_ENV]) })
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0)
          res.resume()
          ws.terminate()
        })
        ws.on('open', () => resolve(101))
        ws.on('error', () => {})
      })
      expect(status).toBe(404)
    } finally {
      await agent.close()
    }
  })
})
