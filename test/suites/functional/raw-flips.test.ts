// Byte flips of a `raw` image in the attack campaign (suites/lib/functional/campaign.ts). ts701
// cannot tell which bytes of an unknown format the signature covers: an installed flip FAILs only
// where the lab declared the byte signed (images.signedRanges), and is otherwise INCONCLUSIVE
// naming the offset. Rejecting a flip passes either way.
import { describe, it, vi } from 'vitest'
import { campaign, CONTROL } from '../../../suites/lib/functional/campaign.ts'
import { FakeDut, type SeenImage } from './fake-dut.ts'
import { fakeSession, NETWORK, runUnit, type AttackSpec } from './fake-session.ts'

vi.setConfig({ maxConcurrency: 20 })

const flips = (signed: boolean): AttackSpec[] => [
  { name: 'raw-byte-start', kind: 'bit-flip', flip: { offset: 2, signed } },
  { name: 'raw-byte-middle', kind: 'bit-flip', flip: { offset: 128, signed } },
  { name: 'truncated', kind: 'truncation' },
]

/** A device that verifies as the default does, but installs the named images too. */
function installing(...names: string[]): FakeDut {
  const dut = new FakeDut()
  const verify = dut.accepts
  dut.accepts = (image: SeenImage) => names.includes(image.name) || verify(image)
  return dut
}

describe.concurrent('raw byte flips', () => {
  it('FAIL: an installed flip inside a declared signed range', async ({ expect }) => {
    const s = await fakeSession({ dut: installing('raw-byte-middle'), attacks: flips(true) })
    const r = await campaign(s, NETWORK)
    expect(r.byVariant.get('raw-byte-middle')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(/^installed the raw-byte-middle image: version 1\.0\.0 → 1\.1\.0/),
    })
    expect(r.byVariant.get('raw-byte-start')?.verdict).toBe('PASS')
    expect(r.byVariant.get(CONTROL)?.verdict).toBe('PASS')
    expect(await runUnit(s, '5.3-1-2a', { target: NETWORK })).toMatchObject({ verdict: 'FAIL' })
  })

  it('INCONCLUSIVE, never FAIL: an installed flip without declared ranges, naming the offset and why', async ({ expect }) => {
    const s = await fakeSession({ dut: installing('raw-byte-middle'), attacks: flips(false) })
    const r = await campaign(s, NETWORK)
    const o = r.byVariant.get('raw-byte-middle')!
    expect(o.verdict).toBe('INCONCLUSIVE')
    expect(o.reason).toMatch(/^installed the raw-byte-middle image: version 1\.0\.0 → 1\.1\.0/)
    expect(o.reason).toContain('byte 128 of a raw image is not known to be covered by the signature')
    expect(o.evidence?.length).toBeGreaterThan(0)
    expect(r.byVariant.get('raw-byte-start')?.verdict).toBe('PASS')
    // The units that read the campaign stay open on it rather than failing the device.
    for (const id of ['5.3-1-2a', '5.3-9-2a']) {
      const u = await runUnit(s, id, { target: NETWORK })
      expect(u.verdict, id).toBe('INCONCLUSIVE')
      expect(u.reason, id).toContain('not known to be covered by the signature')
    }
  })

  it('PASS: a device that refuses every flip, declared ranges or not', async ({ expect }) => {
    for (const signed of [true, false]) {
      const s = await fakeSession({ attacks: flips(signed) })
      const r = await campaign(s, NETWORK)
      expect(Object.fromEntries([...r.byVariant].map(([n, o]) => [n, o.verdict])), String(signed)).toEqual({
        'raw-byte-start': 'PASS',
        'raw-byte-middle': 'PASS',
        truncated: 'PASS',
        [CONTROL]: 'PASS',
      })
    }
  })

  it('other attacks on a raw image are judged as before: an installed truncation FAILs', async ({ expect }) => {
    const s = await fakeSession({ dut: installing('truncated'), attacks: flips(false) })
    const r = await campaign(s, NETWORK)
    expect(r.byVariant.get('truncated')?.verdict).toBe('FAIL')
  })
})
