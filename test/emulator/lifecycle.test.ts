import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../core/evidence.ts'
import { EmulatorClosedError, EmulatorConfigError, UpdateServerEmulator } from '../../emulator/index.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, HOST, rawConnect, readUntilClose, settledHits, sleep, startEmulator, tempDir } from './helpers.ts'

const routes: EmulatorRoute[] = [
  { name: 'check', method: 'GET', path: '/v1/check', status: 200, body: '{"update":false}' },
  { name: 'report', method: 'POST', path: '/v1/report', status: 204 },
]

describe('the hit log', () => {
  it('records method, path, query, remote and headers with credentials redacted', async () => {
    const emu = await startEmulator(routes)
    const before = Date.now()
    await fetchRaw(`${emu.url}/v1/check?serial=SN1&version=1.0.0&token=abc123secret&apiKey=k-999`, {
      headers: {
        Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.secret-token',
        Cookie: 'session=s3cr3t',
        'X-Api-Key': 'k-123456',
        'X-Device-Token': 'dt-777',
        'X-Client-Secret': 'cs-888',
        'X-Password': 'pw-999',
        'User-Agent': 'acme-thermostat/1.0.0',
      },
    })
    const [hit] = await settledHits(emu, 1)
    expect(hit).toMatchObject({
      method: 'GET',
      path: '/v1/check',
      query: { serial: 'SN1', version: '1.0.0', token: '***', apiKey: '***' },
      remote: '127.0.0.1',
      route: 'check',
      status: 200,
      bytesSent: 16,
      completed: true,
    })
    expect(hit!.time).toBeGreaterThanOrEqual(before)
    expect(hit!.tls).toBeUndefined()
    expect(hit!.headers).toMatchObject({
      authorization: 'Bearer ***',
      cookie: '***',
      'x-api-key': '***',
      'x-device-token': '***',
      'x-client-secret': '***',
      'x-password': '***',
      'user-agent': 'acme-thermostat/1.0.0',
    })
    expect(JSON.stringify(emu.hits())).not.toMatch(/secret-token|s3cr3t|k-123456|dt-777|cs-888|pw-999|abc123secret|k-999/)
  })

  it('writes every request to the evidence log (channel update-server), without credentials', async () => {
    const dir = await tempDir()
    const evidence = new EvidenceLog(join(dir, 'evidence.jsonl'))
    const emu = await startEmulator(routes, { evidence })
    const mark = evidence.mark()
    await fetchRaw(`${emu.url}/v1/check?password=hunter2`, { headers: { authorization: 'Basic dXNlcjpodW50ZXIy' } })
    await fetchRaw(`${emu.url}/v1/report`, { method: 'POST', body: '{"state":"installed"}' })
    await fetchRaw(`${emu.url}/nowhere`)
    const hits = await settledHits(emu, 3)
    const entries = evidence.since(mark)
    expect(entries.every((e) => e.channel === 'update-server')).toBe(true)
    expect(hits.map((h) => h.id)).toEqual(entries.map((e) => e.id))
    expect(entries.map((e) => e.summary)).toEqual(['GET /v1/check → 200 (check)', 'POST /v1/report → 204 (report)', 'GET /nowhere → 404'])
    expect(entries[1]!.detail).toMatchObject({ requestBytes: 21, status: 204, route: 'report' })
    const file = await readFile(join(dir, 'evidence.jsonl'), 'utf8')
    expect(file).toContain('"authorization":"Basic ***"')
    expect(file).not.toMatch(/hunter2|dXNlcjpodW50ZXIy/)
  })

  it('waitForHit resolves with a later hit, honours since, and returns undefined quickly on timeout', async () => {
    const emu = await startEmulator(routes)
    await fetchRaw(`${emu.url}/v1/check`)
    await settledHits(emu, 1)
    // An earlier hit counts unless `since` excludes it.
    expect(await emu.waitForHit((h) => h.path === '/v1/check', { timeoutMs: 10 })).toMatchObject({ route: 'check' })
    const since = Date.now() + 1
    await sleep(5)

    const start = Date.now()
    expect(await emu.waitForHit((h) => h.path === '/v1/check', { timeoutMs: 150, since })).toBeUndefined()
    const waited = Date.now() - start
    expect(waited).toBeGreaterThanOrEqual(140)
    expect(waited).toBeLessThan(1_000)

    const waiting = emu.waitForHit((h) => h.path === '/v1/check', { timeoutMs: 5_000, since })
    await fetchRaw(`${emu.url}/v1/check?n=2`)
    expect(await waiting).toMatchObject({ query: { n: '2' } })
  })

  it('waitForHit resolves undefined when the emulator closes', async () => {
    const emu = await startEmulator(routes)
    const waiting = emu.waitForHit(() => true, { timeoutMs: 60_000 })
    await emu.close()
    expect(await waiting).toBeUndefined()
  })
})

describe('start and close', () => {
  it('close() is idempotent, drops keep-alive connections and frees the port', async () => {
    const emu = await startEmulator(routes)
    const port = Number(new URL(emu.url).port)
    await fetchRaw(`${emu.url}/v1/check`) // leaves a keep-alive connection open
    await Promise.all([emu.close(), emu.close()])
    await emu.close()
    const again = await UpdateServerEmulator.start({ host: HOST, port, routes, imagePath: '/fw/{{image.name}}' })
    expect(again.url).toBe(`http://127.0.0.1:${port}`)
    await again.close()
  })

  it('rejects a port in use with EmulatorConfigError naming host:port', async () => {
    const blocker = createServer()
    blocker.listen(0, HOST)
    await once(blocker, 'listening')
    const port = (blocker.address() as { port: number }).port
    try {
      const error = await UpdateServerEmulator.start({ host: HOST, port, routes, imagePath: '/fw/{{image.name}}' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmulatorConfigError)
      expect((error as Error).message).toContain(`127.0.0.1:${port}`)
      expect((error as Error).message).toMatch(/in use/)
    } finally {
      blocker.close()
    }
  })

  it.each(['0.0.0.0', '::', '192.168.1.10', 'updates.example.com', '10.0.0.1'])('refuses the non-loopback host %s', async (host) => {
    const error = await UpdateServerEmulator.start({ host, port: 0, routes, imagePath: '/fw/x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorConfigError)
    expect((error as Error).message).toMatch(/not a loopback address/)
  })

  it('accepts 127.0.0.0/8, localhost (as 127.0.0.1) and ::1 where available', async () => {
    const a = await UpdateServerEmulator.start({ host: 'localhost', port: 0, routes, imagePath: '/fw/x' })
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await a.close()
    const v6 = await UpdateServerEmulator.start({ host: '::1', port: 0, routes, imagePath: '/fw/x' }).catch((e: unknown) => e)
    if (v6 instanceof UpdateServerEmulator) {
      expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
      expect((await fetchRaw(`${v6.url}/v1/check`)).status).toBe(200)
      await v6.close()
    } else {
      // No IPv6 loopback in this environment: the error says so and names the address.
      expect((v6 as Error).message).toContain('[::1]:0')
    }
  })

  it('rejects setTls after close', async () => {
    const emu = await startEmulator(routes)
    await emu.close()
    await expect(emu.setTls(undefined)).rejects.toBeInstanceOf(EmulatorClosedError)
  })
})

describe('misbehaving clients', () => {
  it('answers garbage with 400, records it, and keeps serving', async () => {
    const emu = await startEmulator(routes)
    const socket = await rawConnect(emu.url)
    socket.write('\x16\x03\x01 this is not HTTP at all\r\n\r\n')
    const { text, closed } = await readUntilClose(socket)
    expect(closed).toBe(true)
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request/)
    expect(emu.clientErrors()).toHaveLength(1)
    expect(emu.clientErrors()[0]).toMatchObject({ remote: '127.0.0.1', error: expect.stringMatching(/HPE_/) })
    expect((await fetchRaw(`${emu.url}/v1/check`)).status).toBe(200)
  })

  it('closes a request whose headers never finish, records it, and keeps serving', async () => {
    const emu = await startEmulator(routes, { timeouts: { headersMs: 200, requestMs: 400 } })
    const socket = await rawConnect(emu.url)
    socket.write('GET /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
    const started = Date.now()
    const { text, closed } = await readUntilClose(socket, 5_000)
    expect(closed).toBe(true)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(text).toMatch(/^HTTP\/1\.1 408/)
    expect(
      emu
        .clientErrors()
        .map((e) => e.error)
        .join(),
    ).toMatch(/TIMEOUT/)
    expect((await fetchRaw(`${emu.url}/v1/check`)).status).toBe(200)
  })

  it('answers 408 to a request whose body never finishes and records the hit as not completed', async () => {
    const emu = await startEmulator(routes, { timeouts: { headersMs: 200, requestMs: 400, idleMs: 10_000 } })
    const socket = await rawConnect(emu.url)
    socket.write('POST /v1/report HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"state":')
    const { text, closed } = await readUntilClose(socket, 5_000)
    expect(closed).toBe(true)
    expect(text).toMatch(/^HTTP\/1\.1 408/)
    const hit = await emu.waitForHit((h) => h.path === '/v1/report', { timeoutMs: 5_000 })
    expect(hit).toMatchObject({ method: 'POST', status: 408, completed: false, bytesSent: 0 })
    expect(emu.clientErrors().map((e) => e.error)).toEqual([expect.stringMatching(/ERR_HTTP_REQUEST_TIMEOUT/)])
    expect(hit!.route).toBeUndefined()
    expect((await fetchRaw(`${emu.url}/v1/check`)).status).toBe(200)
  })

  it('closes a connection that never sends anything and records it', async () => {
    const emu = await startEmulator(routes, { timeouts: { headersMs: 200, requestMs: 400, idleMs: 300 } })
    const socket = await rawConnect(emu.url)
    const { closed } = await readUntilClose(socket, 5_000)
    expect(closed).toBe(true)
    await sleep(20)
    expect(emu.clientErrors().length).toBe(1)
    expect(emu.hits()).toEqual([])
  })

  it('records a client that resets its connection before its request is complete', async () => {
    const emu = await startEmulator(routes)
    const socket = await rawConnect(emu.url)
    socket.write('GET /v1/che')
    await sleep(50)
    socket.resetAndDestroy()
    // Polled, not slept: after a stall, a due timer runs before the server reads the reset.
    for (const until = Date.now() + 5_000; emu.clientErrors().length === 0 && Date.now() < until;) await sleep(10)
    expect(emu.clientErrors()).toEqual([expect.objectContaining({ error: expect.stringMatching(/ECONNRESET/) })])
    expect((await fetchRaw(`${emu.url}/v1/check`)).status).toBe(200)
  })
})
