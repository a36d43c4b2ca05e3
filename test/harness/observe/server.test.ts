// The `server` source (harness/observe/server.ts) against the real update-server emulator on
// 127.0.0.1: what an update agent reports in its requests (query, headers, JSON or text bodies)
// becomes the version, the outcome, the update checks and the signs of life the judges read.
import { afterEach, describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../../core/evidence.ts'
import type { EmulatorRoute, ObserveSection } from '../../../profile/types.ts'
import { fetchRaw, sleep, startEmulator } from '../../emulator/helpers.ts'
import { closeObservers, observeProfile, observing } from './helpers.ts'

afterEach(closeObservers)

const ROUTES: EmulatorRoute[] = [
  { name: 'poll', method: 'GET', path: '/api/devices/:id/next', status: 204 },
  { name: 'inventory', method: 'PATCH', path: '/api/inventory', status: 200 },
  { name: 'status', method: 'PUT', path: '/api/deployments/:id/status', status: 204 },
  { name: 'image', method: 'GET', path: '/images/:name', status: 200, serve: 'image' },
]

const STATES = { installed: ['success'], rejected: ['failure'], pending: ['downloading', 'installing'] }

async function setup(observe: ObserveSection) {
  const evidence = new EvidenceLog()
  const server = await startEmulator(ROUTES, { evidence })
  const o = observing(observeProfile(observe, ROUTES), { evidence, emulator: async () => server })
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetchRaw(`${server.url}${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
  return { ...o, server, send }
}

describe('server source: the version', () => {
  it('takes the latest report, by JSON pointer, citing the request as evidence', async () => {
    const { observe, send, server } = await setup({
      version: { from: 'server', routes: ['inventory'], extract: { pointer: '/artifact' }, timeoutMs: 500 },
    })
    await send('PATCH', '/api/inventory', { artifact: 'release-1' })
    await send('PATCH', '/api/inventory', { artifact: 'release-2' })
    const v = await observe.version()
    expect(v).toMatchObject({ observed: true, value: 'release-2', source: 'the update server (route inventory)' })
    expect(v.evidence).toEqual([server.hits().at(-1)!.id])
  })

  it('reads a named regex group in a text body, a query parameter and a request header', async () => {
    const text = await setup({
      version: {
        from: 'server',
        routes: ['inventory'],
        extract: { regex: '"artifact_name","value":"(?<v>[^"]+)"', group: 'v' },
        timeoutMs: 500,
      },
    })
    await text.send('PATCH', '/api/inventory', '[{"name":"artifact_name","value":"mender-3.4"}]')
    expect(await text.observe.version()).toMatchObject({ observed: true, value: 'mender-3.4' })

    const query = await setup({ version: { from: 'server', routes: ['poll'], extract: { query: 'current' }, timeoutMs: 500 } })
    await query.send('GET', '/api/devices/7/next?current=2.0.1')
    expect(await query.observe.version()).toMatchObject({ observed: true, value: '2.0.1' })

    const header = await setup({
      version: { from: 'server', path: '/api/devices/:id/next', method: 'GET', extract: { header: 'X-Firmware' }, timeoutMs: 500 },
    })
    await header.send('GET', '/api/devices/7/next', undefined, { 'x-firmware': 'fw-9' })
    expect(await header.observe.version()).toMatchObject({
      observed: true,
      value: 'fw-9',
      source: 'the update server (GET /api/devices/:id/next)',
    })
  })

  it('asked about a time, waits for a report made from then on', async () => {
    const { observe, send } = await setup({
      version: { from: 'server', routes: ['inventory'], extract: { pointer: '/artifact' }, timeoutMs: 2000 },
    })
    await send('PATCH', '/api/inventory', { artifact: 'old' })
    await sleep(5)
    const since = Date.now()
    const reading = observe.version({ since })
    await sleep(50)
    await send('PATCH', '/api/inventory', { artifact: 'new' })
    expect(await reading).toMatchObject({ observed: true, value: 'new' })
  })

  it('is not observed when nothing carries it, saying what was watched and what came instead', async () => {
    const { observe, send } = await setup({
      version: { from: 'server', routes: ['inventory'], extract: { pointer: '/artifact' }, timeoutMs: 100 },
    })
    await send('PATCH', '/api/inventory', { other: 1 })
    await send('GET', '/api/devices/1/next')
    const v = await observe.version()
    expect(v).toMatchObject({ observed: false, declared: true })
    expect(!v.observed && v.reason).toMatch(
      /^the update server \(route inventory\) reported no version within 100 ms: 1 report\(s\) came, none with it \(last: version: JSON pointer \/artifact finds nothing in \{"other":1\}\)$/,
    )
  })
})

describe('server source: the outcome', () => {
  const outcome: ObserveSection = {
    outcome: {
      from: 'server',
      routes: ['status'],
      extract: { state: { pointer: '/status' }, detail: { pointer: '/substate' } },
      states: STATES,
      timeoutMs: 1000,
    },
  }

  it('waits past pending reports for the first final one since the delivery', async () => {
    const { observe, send } = await setup(outcome)
    await send('PUT', '/api/deployments/1/status', { status: 'failure' }) // an earlier deployment
    const since = Date.now()
    const reading = observe.outcome(since)
    await send('PUT', '/api/deployments/2/status', { status: 'downloading' })
    await send('PUT', '/api/deployments/2/status', { status: 'success', substate: 'rebooted into B' })
    expect(await reading).toMatchObject({ observed: true, value: { state: 'installed', detail: 'rebooted into B' } })
  })

  it('reads as unknown, with what the device last said, when nothing final came', async () => {
    const { observe, send } = await setup({ outcome: { ...outcome.outcome!, timeoutMs: 150 } as ObserveSection['outcome'] })
    const since = Date.now()
    await sleep(2) // a report in the same millisecond as `since` may predate it and is not taken
    await send('PUT', '/api/deployments/2/status', { status: 'paused' })
    expect(await observe.outcome(since)).toMatchObject({
      observed: true,
      value: {
        state: 'unknown',
        detail:
          'no final outcome within 150 ms: the device reported state "paused", which the profile does not map (known states: "success", "failure", "downloading", "installing")',
      },
    })
  })

  it('is not observed when the device reported nothing', async () => {
    const { observe } = await setup({ outcome: { ...outcome.outcome!, timeoutMs: 50 } as ObserveSection['outcome'] })
    const r = await observe.outcome(Date.now())
    expect(r).toMatchObject({ observed: false })
    expect(!r.observed && r.reason).toMatch(/^the update server \(route status\) reported no outcome since .* within 50 ms$/)
  })
})

describe('server source: checks and signs of life', () => {
  it('counts only what observe.checks names; by default every request but image downloads', async () => {
    const named = await setup({ checks: { from: 'server', routes: ['poll'] } })
    const since = Date.now()
    await named.send('GET', '/api/devices/1/next')
    await named.send('PATCH', '/api/inventory', { artifact: 'x' })
    await named.send('GET', '/api/devices/1/next')
    expect((await named.observe.checks(since)).map((c) => c.what)).toEqual(['GET /api/devices/1/next', 'GET /api/devices/1/next'])
    expect(await named.observe.nextCheck(since, 10)).toMatchObject({ what: 'GET /api/devices/1/next' })

    const all = await setup({})
    await all.send('GET', '/api/devices/1/next')
    await all.send('PATCH', '/api/inventory', { artifact: 'x' })
    await all.send('GET', '/images/nothing-offered')
    await sleep(20)
    expect((await all.observe.checks(since)).map((c) => c.what)).toEqual(['GET /api/devices/1/next', 'PATCH /api/inventory'])
  })

  it('a request since the time asked about is a sign of life; silence is not', async () => {
    const { observe, send } = await setup({ alive: { from: 'server', routes: ['poll', 'inventory'], timeoutMs: 100 } })
    const since = Date.now()
    expect(await observe.alive({ since })).toMatchObject({ observed: true, value: false, detail: expect.stringMatching(/within 100 ms$/) })
    await send('GET', '/api/devices/1/next')
    expect(await observe.alive({ since })).toMatchObject({ observed: true, value: true })
  })

  it('starts the emulator when asked to listen, so the device can report from then on', async () => {
    let started = 0
    const evidence = new EvidenceLog()
    const server = await startEmulator(ROUTES, { evidence })
    const { observe } = observing(
      observeProfile({ version: { from: 'server', routes: ['inventory'], extract: { pointer: '/v' }, timeoutMs: 10 } }, ROUTES),
      {
        evidence,
        emulator: async () => {
          started++
          return server
        },
      },
    )
    await observe.listen()
    expect(started).toBe(1)
  })
})
