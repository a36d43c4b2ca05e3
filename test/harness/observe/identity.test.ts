// Whose request is it (harness/observe/identity.ts, observe.identity): the device's name in a query
// parameter, a header or a path segment decides which requests to the update server feed the
// observations; the others are strangers, listed by `clients()`. The last part runs a real
// emulator with a device and two other clients on it.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../../adapters/index.ts'
import type { Hit } from '../../../emulator/index.ts'
import { groupStrangers, identityFilter, obviousMix } from '../../../harness/observe/identity.ts'
import type { EmulatorRoute, ObserveIdentity } from '../../../profile/types.ts'
import { fetchRaw, settledHits, startEmulator } from '../../emulator/helpers.ts'
import { tempAssessment } from '../../ixit/helpers.ts'
import { closeObservers, observeProfile, observing } from './helpers.ts'

afterEach(closeObservers)

let seq = 0
function hit(path: string, o: { query?: Record<string, string>; headers?: Record<string, string>; route?: string } = {}): Hit {
  return {
    id: `H${++seq}`,
    time: Date.now(),
    method: 'GET',
    path,
    query: o.query ?? {},
    headers: o.headers ?? {},
    remote: '127.0.0.1',
    status: 200,
    bytesSent: 0,
    completed: true,
    ...(o.route !== undefined && { route: o.route }),
  }
}

const HAWKBIT = '/DEFAULT/controller/v1/:controllerId'

describe('telling the device from other clients', () => {
  it('a query parameter: the declared value is the device, another value a stranger', () => {
    const f = identityFilter({ server: [{ query: 'deviceId', equals: 'dev-1' }] })
    expect(f.isDevice(hit('/v1/check', { query: { deviceId: 'dev-1' } }))).toBe(true)
    expect(f.isDevice(hit('/v1/check', { query: { deviceId: 'dev-2' } }))).toBe(false)
    expect(f.seen(hit('/v1/check', { query: { deviceId: 'dev-2' } }))).toBe('deviceId=dev-2')
  })

  it('a request that names no one is a stranger unless the profile takes it as the device', () => {
    const ways: ObserveIdentity['server'] = [{ query: 'deviceId', equals: 'dev-1' }]
    const browser = hit('/favicon.ico')
    expect(identityFilter({ server: ways }).isDevice(browser)).toBe(false)
    expect(identityFilter({ server: ways }).seen(browser)).toBe('no device name')
    expect(identityFilter({ server: ways, unnamed: 'device' }).isDevice(browser)).toBe(true)
    // Taking unnamed requests never takes a request that names another device.
    expect(identityFilter({ server: ways, unnamed: 'device' }).isDevice(hit('/', { query: { deviceId: 'dev-2' } }))).toBe(false)
  })

  it('a header, whatever the case of its name in the profile', () => {
    const f = identityFilter({ server: [{ header: 'X-Device-Id', equals: 'dev-1' }] })
    expect(f.isDevice(hit('/v1/check', { headers: { 'x-device-id': 'dev-1' } }))).toBe(true)
    expect(f.isDevice(hit('/v1/check', { headers: { 'x-device-id': 'dev-9' } }))).toBe(false)
    expect(f.seen(hit('/v1/check', { headers: { 'x-device-id': 'dev-9' } }))).toBe('x-device-id=dev-9')
  })

  it('a path segment, with the rest of the path free and percent-encoding undone', () => {
    const f = identityFilter({ server: [{ path: HAWKBIT, param: 'controllerId', equals: 'dev 1' }] })
    expect(f.isDevice(hit('/DEFAULT/controller/v1/dev%201'))).toBe(true)
    expect(f.isDevice(hit('/DEFAULT/controller/v1/dev%201/deploymentBase/7/feedback'))).toBe(true)
    expect(f.isDevice(hit('/DEFAULT/controller/v1/dev-2/configData'))).toBe(false)
    expect(f.seen(hit('/DEFAULT/controller/v1/dev-2/configData'))).toBe('controllerId=dev-2')
    // Another tenant is not this pattern: that request names no one.
    expect(f.seen(hit('/OTHER/controller/v1/dev%201'))).toBe('no device name')
    expect(f.seen(hit('/artifacts/fw.bin'))).toBe('no device name')
  })

  it('the first way a request carries decides', () => {
    const f = identityFilter({
      server: [
        { header: 'x-device-id', equals: 'dev-1' },
        { query: 'hw', equals: 'board-a' },
      ],
    })
    expect(f.isDevice(hit('/v1/check', { query: { hw: 'board-a' } }))).toBe(true)
    // The header names another device: the matching board type does not make it this one.
    expect(f.isDevice(hit('/v1/check', { headers: { 'x-device-id': 'dev-2' }, query: { hw: 'board-a' } }))).toBe(false)
  })

  it('strangers are grouped by method, path and the name they gave', () => {
    const f = identityFilter({ server: [{ query: 'hw', equals: 'a' }] })
    const hits = [hit('/v1/check', { query: { hw: 'b' } }), hit('/v1/check', { query: { hw: 'b' } }), hit('/')]
    expect(groupStrangers(hits, f.seen)).toEqual([
      { method: 'GET', path: '/v1/check', identity: 'hw=b', count: 2, evidence: [hits[0]!.id, hits[1]!.id] },
      { method: 'GET', path: '/', identity: 'no device name', count: 1, evidence: [hits[2]!.id] },
    ])
  })

  it('without a declaration, device-like names with several values show a mix of clients', () => {
    const routes: EmulatorRoute[] = [{ name: 'poll', method: 'GET', path: HAWKBIT, status: 200 }]
    const poll = (id: string) => hit(`/DEFAULT/controller/v1/${id}`, { route: 'poll' })
    expect(obviousMix([poll('dev-1'), poll('dev-1')], routes)).toBeUndefined()
    expect(obviousMix([poll('dev-1'), poll('dev-2'), poll('dev-1')], routes)).toBe('controllerId: dev-1 (2), dev-2 (1)')
    const check = (hw: string, version: string) => hit('/v1/check', { query: { hw, version } })
    // A version is no name: two values of it are one device before and after an update.
    expect(obviousMix([check('a', '1.0'), check('a', '1.1')], [])).toBeUndefined()
    expect(obviousMix([check('a', '1.0'), check('b', '1.0')], [])).toBe('hw: a (1), b (1)')
  })
})

describe('observations on a shared update server', () => {
  const routes: EmulatorRoute[] = [
    { name: 'check', method: 'GET', path: '/v1/check', status: 200, body: '{"available":false}' },
    { name: 'poll', method: 'GET', path: HAWKBIT, status: 200, body: '{}' },
  ]

  it('only the device checks and reports; strangers are listed with what they asked', async () => {
    const emulator = await startEmulator(routes)
    const profile = observeProfile(
      {
        identity: { server: [{ query: 'hw', equals: 'dev-1' }] },
        checks: { from: 'server', routes: ['check'] },
        version: { from: 'server', routes: ['check'], extract: { query: 'version' }, timeoutMs: 200 },
      },
      routes,
    )
    const { observe } = observing(profile, { emulator: async () => emulator })
    const since = Date.now() - 1
    await fetchRaw(`${emulator.url}/v1/check?hw=dev-1&version=1.0.0`)
    await fetchRaw(`${emulator.url}/v1/check?hw=dev-2&version=9.9.9`)
    await fetchRaw(`${emulator.url}/v1/check?hw=dev-1&version=1.0.0`)
    await fetchRaw(`${emulator.url}/v1/check?hw=dev-2&version=9.9.9`)
    await fetchRaw(`${emulator.url}/favicon.ico`)
    await settledHits(emulator, 5)

    const checks = await observe.checks(since)
    expect(checks).toHaveLength(2)
    const own = emulator.hits().filter((h) => h.query.hw === 'dev-1')
    expect(checks.map((c) => c.evidence)).toEqual(own.map((h) => h.id))
    // The latest report is a stranger's: the device's own version is read, not the other client's.
    expect(await observe.version({ since })).toMatchObject({ observed: true, value: '1.0.0' })

    const clients = await observe.clients(since, Date.now())
    expect(clients.declared).toBe(true)
    expect(clients.strangers).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/check', identity: 'hw=dev-2', count: 2 }),
      expect.objectContaining({ method: 'GET', path: '/favicon.ico', identity: 'no device name', count: 1 }),
    ])
  })

  it('a controller ID in the path, sent as a real hawkBit client sends it', async () => {
    const emulator = await startEmulator(routes)
    const profile = observeProfile(
      {
        identity: { server: [{ path: HAWKBIT, param: 'controllerId', equals: 'dev-1' }] },
        checks: { from: 'server', routes: ['poll'] },
      },
      routes,
    )
    const { observe } = observing(profile, { emulator: async () => emulator })
    const since = Date.now() - 1
    for (const id of ['dev-1', 'dev-2', 'dev-2', 'dev-1', 'dev-3']) await fetchRaw(`${emulator.url}/DEFAULT/controller/v1/${id}`)
    await settledHits(emulator, 5)
    expect(await observe.checks(since)).toHaveLength(2)
    const strangers = (await observe.clients(since, Date.now())).strangers
    expect(strangers.map((g) => [g.identity, g.count])).toEqual([
      ['controllerId=dev-2', 2],
      ['controllerId=dev-3', 1],
    ])
  })

  it('without a declared identity everything counts, and the mix of devices is said', async () => {
    const emulator = await startEmulator(routes)
    const profile = observeProfile({ checks: { from: 'server', routes: ['poll'] } }, routes)
    const { observe } = observing(profile, { emulator: async () => emulator })
    const since = Date.now() - 1
    for (const id of ['dev-1', 'dev-2', 'dev-1']) await fetchRaw(`${emulator.url}/DEFAULT/controller/v1/${id}`)
    await settledHits(emulator, 3)
    expect(await observe.checks(since)).toHaveLength(3)
    expect(await observe.clients(since, Date.now())).toEqual({
      declared: false,
      strangers: [],
      mixed: 'controllerId: dev-1 (2), dev-2 (1)',
    })
  })
})

describe('observe.identity in a profile', () => {
  const profileWith = (identity: string) => `name: shared
adapter: { kind: none }
operations: {}
updateServer:
  host: 127.0.0.1
  port: 8080
  routes: [{ name: poll, method: GET, path: '/:tenant/controller/v1/:controllerId', status: 200 }]
observe:
  identity: ${identity}
`
  const load = async (identity: string) => {
    const dir = await tempAssessment({ 'dut.yaml': profileWith(identity) })
    return loadDutProfile(join(dir, 'dut.yaml'))
  }

  it('loads a query parameter, a header and a path segment', async () => {
    const { profile, findings } = await load(
      "{ server: [{ query: deviceId, equals: dev-1 }, { header: X-Device, equals: dev-1 }, { path: '/:tenant/controller/v1/:controllerId', param: controllerId, equals: dev-1 }] }",
    )
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(profile?.observe?.identity?.server).toHaveLength(3)
  })

  it('refuses a way without the value that is the device, and a segment the pattern lacks', async () => {
    expect((await load('{ server: [{ query: deviceId }] }')).profile).toBeUndefined()
    const { profile, findings } = await load("{ server: [{ path: '/:tenant/controller/v1/:id', param: controllerId, equals: dev-1 }] }")
    expect(profile).toBeUndefined()
    expect(findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.message])).toEqual([
      ['bad-identity', '/observe/identity/server/0/param: the path pattern /:tenant/controller/v1/:id has no segment :controllerId'],
    ])
    // A token is masked when recorded: it would never equal the device's value, and every request would be a stranger's.
    const token = await load('{ server: [{ query: access_token, equals: abc }, { header: Authorization, equals: abc }] }')
    expect(token.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['bad-identity', 'bad-identity'])
  })
})
