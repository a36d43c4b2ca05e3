import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ImageSource } from '../../../core/dut.ts'
import { BENCH_SCRIPT } from '../../../sim/bench.ts'
import { attacksFor, sleep, startDevice, type Harness } from '../helpers.ts'
import { AgentServer, type Request } from './agent-server.ts'

const NEXT = '/api/devices/v1/deployments/device/deployments/next'
const INVENTORY = '/api/devices/v1/inventory/device/attributes'
const STATUS = /^\/api\/devices\/v1\/deployments\/device\/deployments\/([^/]+)\/status$/

const run = promisify(execFile)

/** The inventory as name → value, from Mender's attribute array. */
const inventoryOf = (r: Request): Record<string, string> =>
  Object.fromEntries((r.body as Array<{ name: string; value: string }>).map((a) => [a.name, a.value]))

describe('mode pull: a Mender-style client with no lab API', () => {
  let h: Harness
  let server: AgentServer
  let offered: { id: string; image: ImageSource; claims: string } | undefined

  beforeEach(async () => {
    offered = undefined
    h = await startDevice({ mode: 'pull' })
    server = await AgentServer.start(h.setup)
    server.handler = (r) => {
      if (r.method === 'GET' && r.path === NEXT) {
        if (!offered) return { status: 204 }
        const { id, image, claims } = offered
        return { status: 200, json: { id, artifact: { artifact_name: claims, source: { uri: `/images/${image.name}` } } } }
      }
      if (offered && r.method === 'GET' && r.path === `/images/${offered.image.name}`) return { image: offered.image }
      if (r.method === 'PATCH' && r.path === INVENTORY) return { status: 200 }
      if (r.method === 'PUT' && STATUS.test(r.path)) return { status: 204 }
      return { status: 404 }
    }
  })
  afterEach(async () => {
    await server.close()
    await h.close()
  })

  const statuses = (id: string) =>
    server
      .to('PUT', STATUS)
      .filter((r) => STATUS.exec(r.path)![1] === id)
      .map((r) => r.body.status)
  const inventoryAfter = (from: number, version: string) =>
    server.seen((r) => r.method === 'PATCH' && r.path === INVENTORY && inventoryOf(r).artifact_name === version, 10_000, from)

  it('reports its inventory and polls for the next deployment with its artifact name and device type', async () => {
    const inventory = await server.seen((r) => r.method === 'PATCH' && r.path === INVENTORY)
    expect(inventoryOf(inventory)).toEqual({ artifact_name: '1.0.0', device_type: 'ts701-ref-hw1', model: 'TS701-REF-1' })
    const poll = await server.seen((r) => r.path === NEXT)
    expect(poll.method).toBe('GET')
    expect(Object.fromEntries(poll.query)).toEqual({ artifact_name: '1.0.0', device_type: 'ts701-ref-hw1' })
    await sleep(300)
    // Nothing offered (204): nothing to report on.
    expect(server.to('PUT', STATUS)).toEqual([])
  })

  it('installs a deployment, reports each step and success after the restart, then its new inventory', async () => {
    // The deployment's artifact name is the server's word only: the signed manifest says 1.1.0.
    offered = { id: 'dep-1', image: h.setup.images.valid, claims: '7.7.7' }
    await server.seen((r) => r.method === 'PUT' && r.path.includes('/dep-1/') && r.body.status === 'success')
    expect(statuses('dep-1')).toEqual(['downloading', 'installing', 'success'])
    const from = server.requests.length
    await inventoryAfter(0, '1.1.0')
    // Still offered, but settled: the device does not fetch or report it again.
    await server.seen((r) => r.path === NEXT && r.query.get('artifact_name') === '1.1.0', 10_000, from)
    await sleep(500)
    expect(server.to('GET', `/images/${h.setup.images.valid.name}`)).toHaveLength(1)
    expect(statuses('dep-1')).toEqual(['downloading', 'installing', 'success'])
  })

  it('reports failure for an image it refuses and keeps its version', async () => {
    const attacks = await attacksFor(h.setup)
    try {
      offered = { id: 'dep-2', image: attacks.byName.get('signature-removed')!.image, claims: '1.1.0' }
      const failure = await server.seen((r) => r.method === 'PUT' && r.path.includes('/dep-2/') && r.body.status === 'failure')
      expect(failure.body.substate).toMatch(/unsigned|signature/i)
      expect(statuses('dep-2')).toEqual(['downloading', 'failure'])
      const from = server.requests.length
      await inventoryAfter(from, '1.0.0')
      expect(server.requests.slice(from).some((r) => r.method === 'PATCH' && inventoryOf(r).artifact_name !== '1.0.0')).toBe(false)
    } finally {
      await attacks.cleanup()
    }
  })

  it('reports failure for an older validly signed image (anti-rollback), whatever the deployment claims', async () => {
    offered = { id: 'dep-4', image: h.setup.images.older, claims: '2.0.0' }
    const failure = await server.seen((r) => r.method === 'PUT' && r.path.includes('/dep-4/') && r.body.status === 'failure')
    expect(failure.body.substate).toMatch(/^rollback:/)
    expect(h.setup.sim.firmware().version).toBe('1.0.0')
  })

  it('answers no lab API: every /api endpoint is 404, the published support page is served', async () => {
    for (const [method, path] of [
      ['GET', '/api/info'],
      ['GET', '/api/update/status'],
      ['POST', '/api/update/check'],
      ['POST', '/api/service/restore-baseline'],
      ['GET', '/api/settings'],
    ] as const) {
      const answer = await h.api.call(method, path)
      expect(answer.status, `${method} ${path}`).toBe(404)
    }
    const support = await h.api.call('GET', '/support', { auth: false })
    expect(support.status).toBe(200)
    expect(support.text).toMatch(/TS701-REF-1/)
  })

  it('the bench script reflashes the baseline, and the device reports it to its server', async () => {
    offered = { id: 'dep-3', image: h.setup.images.valid, claims: '1.1.0' }
    await inventoryAfter(0, '1.1.0')
    offered = undefined
    const from = server.requests.length
    const { stdout } = await run('bash', [BENCH_SCRIPT, 'reflash-baseline'], { cwd: h.setup.dir })
    expect(stdout).toMatch(/reflash-baseline: done/)
    expect(h.setup.bench.pulls.get('reflash-baseline')).toBe(1)
    await inventoryAfter(from, '1.0.0')
    expect(h.setup.sim.firmware().version).toBe('1.0.0')
    await expect(run('bash', [join(h.setup.dir, BENCH_SCRIPT), 'melt'])).rejects.toThrow(/unknown bench action/)
  })
})

describe('mode pull with flaw no-anti-rollback', () => {
  it('installs an older image offered over the network and reports it as a success', async () => {
    const h = await startDevice({ mode: 'pull', flaws: ['no-anti-rollback'] })
    const server = await AgentServer.start(h.setup)
    try {
      const older = h.setup.images.older
      server.handler = (r) => {
        if (r.path === NEXT)
          return { status: 200, json: { id: 'old', artifact: { artifact_name: 'x', source: { uri: `/images/${older.name}` } } } }
        if (r.path === `/images/${older.name}`) return { image: older }
        return { status: r.method === 'PUT' ? 204 : 200 }
      }
      await server.seen((r) => r.method === 'PUT' && r.path.includes('/old/') && r.body.status === 'success')
      await server.seen((r) => r.method === 'PATCH' && r.path === INVENTORY && inventoryOf(r).artifact_name === '0.9.0')
    } finally {
      await server.close()
      await h.close()
    }
  })
})
