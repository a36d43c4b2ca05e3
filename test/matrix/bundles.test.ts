import { describe, expect, it } from 'vitest'
import { FLAW_NAMES } from '../../sim/flaws.ts'
import { BUNDLES, EXPECTED, STOPS_INSTALLING, groupsOf, standardOf } from './matrix.ts'

/** The bundles are sound only as BUNDLES' comment says: these keep them so when a flaw is added. */
describe('the flaw bundles of the detection matrix', () => {
  it('holds every flaw once', () => {
    expect(BUNDLES.flat().sort()).toEqual([...FLAW_NAMES].sort())
  })

  it('runs each bundle under one edition', () => {
    for (const bundle of BUNDLES)
      expect(new Set(bundle.map((f) => EXPECTED[f].standard)), bundle.join('+')).toEqual(new Set([standardOf(bundle)]))
  })

  it('runs a flaw that stops the device installing on its own alone', () => {
    for (const flaw of STOPS_INSTALLING) expect(BUNDLES.find((b) => b.includes(flaw))).toEqual([flaw])
  })

  it('never puts two flaws of one test group together, so each expected FAIL has one cause', () => {
    for (const bundle of BUNDLES) {
      const groups = bundle.flatMap(groupsOf)
      expect(groups.length, `${bundle.join('+')}: ${groups.join(', ')}`).toBe(new Set(groups).size)
    }
  })
})
