// Mode detached against the harness's own update-server emulator, configured from the profile the
// setup writes: the routes, the part URLs and the offer body it declares are what the device needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import type { DetachedBundle } from '../../fixtures/detached.ts'
import { UpdateServerEmulator, type Hit } from '../../emulator/server.ts'
import { startDevice, type Harness } from './helpers.ts'

describe('mode detached served by the emulator from its written profile', () => {
  let h: Harness
  let emu: UpdateServerEmulator

  beforeAll(async () => {
    h = await startDevice({ mode: 'detached' })
    const { profile } = await loadDutProfile(h.setup.profileFile)
    const server = profile?.updateServer
    if (!server) throw new Error('the profile declares no update server')
    const { certPem, keyPem } = h.setup.tls.server
    emu = await UpdateServerEmulator.start({
      host: server.host,
      port: server.port,
      tls: { certPem, keyPem },
      routes: server.routes,
      imagePath: server.imagePath,
      ...(server.partPath !== undefined && { partPath: server.partPath }),
    })
  })
  afterAll(async () => {
    await emu?.close()
    await h?.close()
  })

  const status = (h: Hit) => (h.route === 'deployment-status' ? (h.bodyJson as { status?: string; detail?: string }) : undefined)
  /** The deployment a status report is about: `…/deployments/<id>/status`. */
  const deploymentOf = (h: Hit) => h.path.split('/').at(-2)
  /** Deployments whose final status was taken: a later report of one (a device may repeat it) is not the next one's. */
  const settled = new Set<string | undefined>()

  /** Offers the bundle and returns the final deployment status and the update routes it asked, in order. */
  async function deploy(bundle: DetachedBundle): Promise<{ final: { status?: string; detail?: string }; asked: string[] }> {
    const since = emu.hits().length
    const start = Date.now()
    await emu.offer({ ...bundle, version: bundle.manifest.version })
    const final = (x: Hit) => ['success', 'failure'].includes(status(x)?.status ?? '') && !settled.has(deploymentOf(x))
    const hit = await emu.waitForHit(final, { timeoutMs: 15_000, since: start })
    if (!hit)
      throw new Error(
        `no final status; routes asked: ${emu
          .hits()
          .slice(since)
          .map((x) => x.route)
          .join(', ')}`,
      )
    const asked = emu
      .hits()
      .slice(since)
      .filter((x) => x.path.startsWith(`/updates/${bundle.name}/`))
      .map((x) => x.route ?? `unrouted ${x.path}`)
    settled.add(deploymentOf(hit))
    return { final: status(hit)!, asked }
  }

  it('installs the valid bundle, then refuses other hardware and the baseline without asking for their payloads', async () => {
    const bundles = h.setup.detached!
    const valid = await deploy(bundles.valid)
    expect(valid.final.status).toBe('success')
    expect(valid.asked).toEqual(['manifest', 'signature', 'payload'])
    expect(h.setup.sim.firmware().version).toBe('1.1.0')

    const other = await deploy(bundles.otherHardware)
    expect(other.final).toMatchObject({ status: 'failure', detail: expect.stringMatching(/^wrong-hardware: /) })
    expect(other.asked).toEqual(['manifest', 'signature'])

    const back = await deploy(bundles.baseline)
    expect(back.final).toMatchObject({ status: 'failure', detail: expect.stringMatching(/^rollback: /) })
    expect(back.asked).toEqual(['manifest', 'signature'])
    expect(h.setup.sim.firmware().version).toBe('1.1.0')
  })
})
