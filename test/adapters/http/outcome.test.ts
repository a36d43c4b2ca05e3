import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { OperationMap, OutcomeConfig } from '../../../adapters/http/profile.ts'
import { acceptWebSocket, closedPort, dutFor, fakeDevice, json, profile, rejection } from './helpers.ts'

const states = {
  installed: ['installed', 'success'],
  rejected: ['rejected', 'verification-failed'],
  pending: ['downloading', 'installing'],
}
const extract = { state: { pointer: '/state' }, version: { pointer: '/version' }, detail: { pointer: '/reason' } }

const poll = (over: Partial<Extract<OutcomeConfig, { mode: 'poll' }>> = {}): OperationMap => ({
  'read-outcome': {
    mode: 'poll',
    request: { method: 'GET', path: '/api/update/status' },
    extract,
    states,
    intervalMs: 20,
    timeoutMs: 2000,
    ...over,
  },
})

describe('read-outcome: poll', () => {
  it('polls while pending, until installed', async () => {
    const sequence = ['downloading', 'installing', 'installing', 'installed']
    const device = await fakeDevice((_, res) => {
      const state = sequence.shift() ?? 'installed'
      json(res, 200, state === 'installed' ? { state, version: '1.5.0' } : { state })
    })
    const { dut, entries } = dutFor(profile(device.url, poll()))
    expect(await dut.readOutcome()).toEqual({ state: 'installed', version: '1.5.0' })
    expect(device.requests).toHaveLength(4)
    expect(entries()).toHaveLength(4)
  })

  it('returns a rejection with its detail', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { state: 'verification-failed', reason: 'bad signature' }))
    expect(await dutFor(profile(device.url, poll())).dut.readOutcome()).toEqual({ state: 'rejected', detail: 'bad signature' })
  })

  it('keeps polling through errors and unmapped states; at the timeout it says what it saw', async () => {
    let n = 0
    const device = await fakeDevice((_, res) => (n++ % 2 === 0 ? json(res, 503, {}) : json(res, 200, { state: 'flashing' })))
    const { dut } = dutFor(profile(device.url, poll({ timeoutMs: 300 })))
    const started = Date.now()
    const outcome = await dut.readOutcome()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(outcome.state).toBe('unknown')
    expect(outcome.detail).toMatch(/^no final outcome within 300 ms: the device reported state "flashing", which the profile does not map/)
  })

  it('a pending state that never ends is unknown after the timeout', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { state: 'installing' }))
    expect(await dutFor(profile(device.url, poll({ timeoutMs: 200 }))).dut.readOutcome()).toEqual({
      state: 'unknown',
      detail: 'no final outcome within 200 ms (still "installing")',
    })
  })

  it('throws when the device could not be reached at all', async () => {
    const port = await closedPort()
    const err = await rejection(dutFor(profile(`http://127.0.0.1:${port}`, poll({ timeoutMs: 200 }))).dut.readOutcome())
    expect(err.code).toBe('E_DUT_UNREACHABLE')
    expect(err.message).toMatch(
      /^read-outcome: no answer from http:\/\/127\.0\.0\.1:\d+ during 200 ms \(last attempt: cannot reach .*connection refused\)\)$/,
    )
  })
})

describe('read-outcome: server-sent events', () => {
  const sse = (event?: string): OperationMap => ({
    'read-outcome': {
      mode: 'sse',
      request: { method: 'GET', path: '/api/events' },
      ...(event ? { event } : {}),
      extract,
      states,
      timeoutMs: 2000,
    },
  })

  it.each([false, true])('reads events of the named kind until a final state (lenient %s)', async (lenient) => {
    const device = await fakeDevice((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(': hello\n\n')
      res.write('event: progress\ndata: {"state":"rejected"}\n\n')
      res.write('event: outcome\ndata: {"state":"installing"}\n\n')
      setTimeout(() => res.write('event: outcome\r\ndata: {"state":\r\ndata: "success", "version": "1.5.0"}\r\n\r\n'), 50)
    })
    const { dut, entries } = dutFor(profile(device.url, sse('outcome'), { lenient }))
    expect(await dut.readOutcome()).toEqual({ state: 'installed', version: '1.5.0' })
    expect(device.requests[0]?.headers.accept).toBe('text/event-stream')
    const summaries = entries().map((e) => e.summary)
    expect(summaries.filter((s) => s.startsWith('SSE event "outcome"'))).toHaveLength(2)
    expect(summaries.at(-1)).toMatch(/^GET \/api\/events → 200 \(stream, /)
  })

  it('stops at the timeout while the stream stays open', async () => {
    const device = await fakeDevice((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {"state":"installing"}\n\n')
    })
    const { dut, entries } = dutFor(
      profile(device.url, { 'read-outcome': { ...(sse()['read-outcome'] as object), timeoutMs: 300 } as OutcomeConfig }),
    )
    const started = Date.now()
    expect(await dut.readOutcome()).toEqual({ state: 'unknown', detail: 'no final outcome within 300 ms (still "installing")' })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(entries().at(-1)?.detail?.error).toBeUndefined()
  })

  it('reopens a dropped stream, and times out to unknown', async () => {
    const device = await fakeDevice((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end('data: {"state":"downloading"}\n\n')
    })
    const outcome = await dutFor(
      profile(device.url, { 'read-outcome': { ...(sse()['read-outcome'] as object), timeoutMs: 600 } as OutcomeConfig }),
    ).dut.readOutcome()
    expect(outcome).toEqual({ state: 'unknown', detail: 'no final outcome within 600 ms (still "downloading")' })
    expect(device.requests.length).toBeGreaterThan(1)
  })
})

describe('read-outcome: websocket', () => {
  it('reads messages until a final state, with credentials on the handshake', async () => {
    const device = await fakeDevice((_, res) => json(res, 404, {}))
    const handshakes: IncomingMessage[] = []
    device.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      handshakes.push(req)
      const send = acceptWebSocket(req, socket)
      send('{"state":"installing"}')
      setTimeout(() => send('{"state":"installed","version":"1.5.0"}'), 50)
    })
    const p = profile(
      device.url,
      { 'read-outcome': { mode: 'websocket', path: '/ws/updates', extract, states, timeoutMs: 2000 } },
      { auth: { kind: 'bearer', tokenEnv: 'T' } },
    )
    const { dut, entries } = dutFor(p, { T: 'ws-secret-token' })
    expect(await dut.readOutcome()).toEqual({ state: 'installed', version: '1.5.0' })
    expect(handshakes[0]?.url).toBe('/ws/updates')
    expect(handshakes[0]?.headers.authorization).toBe('Bearer ws-secret-token')
    expect(entries().filter((e) => e.summary.startsWith('WebSocket message'))).toHaveLength(2)
    expect(JSON.stringify(entries())).not.toContain('ws-secret-token')
  })

  it('times out to unknown when no final state comes', async () => {
    const device = await fakeDevice((_, res) => json(res, 404, {}))
    device.server.on('upgrade', (req: IncomingMessage, socket: Socket) => acceptWebSocket(req, socket)('{"state":"installing"}'))
    const outcome = await dutFor(
      profile(device.url, { 'read-outcome': { mode: 'websocket', path: '/ws', extract, states, timeoutMs: 300 } }),
    ).dut.readOutcome()
    expect(outcome).toEqual({ state: 'unknown', detail: 'no final outcome within 300 ms (still "installing")' })
  })

  it('throws when no WebSocket could be opened at all', async () => {
    const port = await closedPort()
    const err = await rejection(
      dutFor(
        profile(`http://127.0.0.1:${port}`, { 'read-outcome': { mode: 'websocket', path: '/ws', extract, states, timeoutMs: 300 } }),
      ).dut.readOutcome(),
    )
    expect(err.code).toBe('E_DUT_UNREACHABLE')
  })
})

describe('read-outcome: version', () => {
  it('waits to settle, then reports the version identify gives once the device is back', async () => {
    let calls = 0
    const device = await fakeDevice((_, res) => {
      calls++
      if (calls < 3) return json(res, 503, {})
      json(res, 200, { model: 'M', version: '1.5.0' })
    })
    const { dut } = dutFor(
      profile(device.url, {
        identify: {
          request: { method: 'GET', path: '/api/info' },
          extract: { model: { pointer: '/model' }, version: { pointer: '/version' } },
        },
        'read-outcome': { mode: 'version', settleMs: 100, timeoutMs: 3000 },
      }),
    )
    const started = Date.now()
    expect(await dut.readOutcome()).toEqual({ state: 'unknown', version: '1.5.0' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    expect(calls).toBe(3)
  })
})
