import { describe, expect, it } from 'vitest'
import { FLAW_NAMES } from '../../sim/flaws.ts'
import { BUNDLES, EXPECTED, SETTINGS_BUNDLES, STOPS_INSTALLING, groupsOf, standardOf } from './matrix.ts'

/** The bundles are sound only as BUNDLES' comment says: these keep them so when a flaw is added. */
describe.each([
  ['BUNDLES', BUNDLES],
  ['SETTINGS_BUNDLES', SETTINGS_BUNDLES],
] as const)('the flaw bundles of the detection matrix: %s', (name, bundles) => {
  it('holds every flaw once', () => {
    expect(bundles.flat().sort()).toEqual([...FLAW_NAMES].sort())
  })

  it('runs each bundle under one edition', () => {
    for (const bundle of bundles)
      expect(new Set(bundle.map((f) => EXPECTED[f].standard)), bundle.join('+')).toEqual(new Set([standardOf(bundle)]))
  })

  it('never puts two flaws of one test group together, so each expected FAIL has one cause', () => {
    for (const bundle of bundles) {
      const groups = bundle.flatMap(groupsOf)
      expect(groups.length, `${bundle.join('+')}: ${groups.join(', ')}`).toBe(new Set(groups).size)
    }
  })

  it('holds at most one flaw that breaks image checks (each FAILs 5.3-1-2a)', () => {
    for (const bundle of bundles)
      expect(bundle.filter((f) => EXPECTED[f].fails.includes('5.3-1-2a')).length, bundle.join('+')).toBeLessThanOrEqual(1)
  })

  if (name === 'BUNDLES')
    it('runs a flaw that stops a device without a settings API installing alone', () => {
      for (const flaw of STOPS_INSTALLING) expect(bundles.find((b) => b.includes(flaw))).toEqual([flaw])
    })
  else
    it('runs each flaw that stops a device without a settings API installing beside others', () => {
      for (const flaw of STOPS_INSTALLING) expect(bundles.find((b) => b.includes(flaw))!.length).toBeGreaterThan(1)
      expect(bundles.length).toBe(BUNDLES.length - STOPS_INSTALLING.length)
    })
})
