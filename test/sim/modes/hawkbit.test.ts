import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ImageSource } from '../../../core/dut.ts'
import { sleep, startDevice, type Harness } from '../helpers.ts'
import { AgentServer } from './agent-server.ts'

const BASE = '/DEFAULT/controller/v1/ts701-ref-hw1'

interface Deployment {
  id: string
  image: ImageSource
  /** Announce this SHA-256 instead of the file's. */
  sha256?: string
}

describe('mode hawkbit: a hawkBit DDI poller with no lab API', () => {
  let h: Harness
  let server: AgentServer
  let offered: Deployment | undefined
  let sleepFor = '24:00:00'

  beforeEach(async () => {
    offered = undefined
    sleepFor = '24:00:00'
    h = await startDevice({ mode: 'hawkbit' })
    server = await AgentServer.start(h.setup)
    server.handler = (r) => {
      const d = offered
      if (r.method === 'GET' && r.path === BASE) {
        const links = {
          configData: { href: `${BASE}/configData` },
          ...(d && { deploymentBase: { href: `${BASE}/deploymentBase/${d.id}?c=1` } }),
        }
        return { status: 200, json: { config: { polling: { sleep: sleepFor } }, _links: links } }
      }
      if (d && r.method === 'GET' && r.path === `${BASE}/deploymentBase/${d.id}`) {
        const artifact = {
          filename: d.image.name,
          size: d.image.size,
          hashes: { sha256: d.sha256 ?? d.image.sha256 },
          _links: { download: { href: `/artifacts/${d.image.name}` } },
        }
        return {
          status: 200,
          json: {
            id: d.id,
            deployment: { download: 'forced', update: 'forced', chunks: [{ part: 'os', version: 'x', artifacts: [artifact] }] },
          },
        }
      }
      if (d && r.method === 'GET' && r.path === `/artifacts/${d.image.name}`) return { image: d.image }
      if (r.method === 'POST' && r.path.endsWith('/feedback')) return { status: 200 }
      if (r.method === 'PUT' && r.path === `${BASE}/configData`) return { status: 200 }
      return { status: 404 }
    }
  })
  afterEach(async () => {
    await server.close()
    await h.close()
  })

  const feedback = (id: string) =>
    server.to('POST', `${BASE}/deploymentBase/${id}/feedback`).map((r) => `${r.body.status.execution}/${r.body.status.result.finished}`)
  const closed = (id: string) =>
    server.seen((r) => r.path === `${BASE}/deploymentBase/${id}/feedback` && r.body.status.execution === 'closed')
  const configData = (version: string, from = 0) =>
    server.seen((r) => r.method === 'PUT' && r.path === `${BASE}/configData` && r.body.data.version === version, 10_000, from)

  it('polls its controller resource, sends configData when asked, and follows the announced sleep', async () => {
    const data = await configData('1.0.0')
    expect(data.body).toEqual({ mode: 'merge', data: { version: '1.0.0', model: 'TS701-REF-1', hardware_id: 'ts701-ref-hw1' } })
    await server.seen((r) => r.path === BASE)
    // One device day is 0.2 s: at the daily sleep about 3 polls come in 0.6 s, at a 3-hour sleep about 24.
    const daily = server.to('GET', BASE).length
    await sleep(600)
    const atDaily = server.to('GET', BASE).length - daily
    sleepFor = '03:00:00'
    await server.seen((r) => r.path === BASE, 1000, server.requests.length)
    const start = server.to('GET', BASE).length
    await sleep(600)
    const atShort = server.to('GET', BASE).length - start
    expect(atDaily).toBeLessThanOrEqual(5)
    expect(atShort).toBeGreaterThanOrEqual(12)
  })

  it('installs a deployment, reports proceeding then closed/success, and its new version in configData', async () => {
    offered = { id: '41', image: h.setup.images.valid }
    const done = await closed('41')
    expect(done.body).toMatchObject({ id: '41', status: { execution: 'closed', result: { finished: 'success' } } })
    // The server keeps linking the settled deployment: later polls must not report it again.
    const after = server.requests.length
    await server.seen((r) => r.path === BASE, 10_000, after)
    await server.seen((r) => r.path === BASE, 10_000, server.requests.length)
    expect(feedback('41')).toEqual(['proceeding/none', 'proceeding/none', 'closed/success'])
    await configData('1.1.0')
    expect(server.to('GET', `/artifacts/${h.setup.images.valid.name}`)).toHaveLength(1)
  })

  it('closes a deployment whose image is refused with failure, and keeps its version', async () => {
    offered = { id: '42', image: h.setup.images.otherHardware }
    const done = await closed('42')
    expect(done.body.status.result.finished).toBe('failure')
    expect(done.body.status.details.join(' ')).toMatch(/hardware/i)
    const from = server.requests.length
    await configData('1.0.0', from)
    expect(h.setup.sim.firmware().version).toBe('1.0.0')
  })

  it('reports failure when the download differs from the announced SHA-256', async () => {
    offered = { id: '43', image: h.setup.images.valid, sha256: 'a'.repeat(64) }
    const done = await closed('43')
    expect(done.body.status.result.finished).toBe('failure')
    expect(done.body.status.details.join(' ')).toMatch(/SHA-256 differs/)
    expect(h.setup.sim.firmware().version).toBe('1.0.0')
  })

  it('answers no lab API: /api endpoints are 404, the support page is served', async () => {
    expect((await h.api.call('GET', '/api/info')).status).toBe(404)
    expect((await h.api.call('POST', '/api/reboot')).status).toBe(404)
    expect((await h.api.call('GET', '/support', { auth: false })).status).toBe(200)
  })
})
