// RAUC's own service (Debian's RAUC 1.8, on a private D-Bus) against the bundles ts701 derives:
// each attack must be refused by `rauc install` for the check it was made to trip, nothing may
// reach the slot, and the genuine bundle must install. The vendor-signed other-hardware bundle
// passes every signature and hash check, so only the service's compatible check is left.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deriveAttacks } from '../../fixtures/attacks.ts'
import { imageSource } from '../../fixtures/source.ts'
import { COMPATIBLE, inactiveSlot, raucRefusals, startRauc, type RaucAgent } from './rauc.ts'

const REFUSED_FOR = raucRefusals(COMPATIBLE)

describe('rauc service as the update agent', () => {
  let agent: RaucAgent
  beforeAll(async () => {
    agent = await startRauc()
  }, 60_000)
  afterAll(async () => agent?.stop())

  it('refuses every derived attack for its own reason, writes nothing, then installs the genuine bundle', async () => {
    const bundle = await agent.bundle('valid', { version: '1.1.0' })
    const valid = await imageSource({ file: bundle }, 'valid-image')
    const vendorSigner = { certPem: await readFile(agent.cert, 'utf8'), keyPem: await readFile(agent.key, 'utf8') }
    const attacks = await deriveAttacks({ format: 'rauc', valid, workDir: join(agent.dir, 'attacks'), vendorSigner })
    expect(attacks.map((a) => a.name)).toEqual(Object.keys(REFUSED_FOR))
    const before = await inactiveSlot(agent)
    for (const attack of attacks) {
      const r = await agent.install(attack.image.path)
      expect(r.ok, `${attack.name}: ${r.said}\n${agent.log()}`).toBe(false)
      expect(r.said, attack.name).toMatch(REFUSED_FOR[attack.name]!)
    }
    expect((await inactiveSlot(agent)).equals(before)).toBe(true)

    const genuine = await agent.install(bundle)
    expect(genuine, agent.log()).toMatchObject({ ok: true })
    expect((await inactiveSlot(agent)).subarray(0, 14).toString()).toBe('VERSION=1.1.0\n')
  }, 120_000)
})
