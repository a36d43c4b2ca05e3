// Comparing a run with its baseline, on result objects: what is known, stale, changed or not run,
// which entry a unit answers to, and the exit code a rig's CI job sees.
import { describe, expect, it } from 'vitest'
import { applyBaseline } from '../../baseline/apply.ts'
import { loadEdition } from '../../catalog/editions.ts'
import { EXIT, runExitCode } from '../../cli/exit.ts'
import { mergeRuns } from '../../merge/runs.ts'
import { baselineOf, entry, FULL, rigRun, unitOf, unitsOf } from './fixture.ts'

const apply = (entries = FULL, strict = false) => applyBaseline(rigRun(), baselineOf(entries), { strict })

describe('applyBaseline', () => {
  it('without a baseline the run fails: the fixture has FAILs (control)', () => {
    expect(runExitCode(rigRun())).toBe(EXIT.fail)
  })

  it('marks every listed failure with its expected verdict as known, and the run exits 0', () => {
    const r = apply()
    expect(unitsOf(r).filter((u) => u.baseline?.status === 'known')).toHaveLength(4)
    expect(unitOf(r, '5.3-7-1c', 'UpdMech-2').baseline).toEqual({
      status: 'known',
      expected: 'INCONCLUSIVE',
      ticket: 'RIG-2',
      reason: 'accepted until the next firmware (5.3-7-1c)',
    })
    expect(r.baseline).toEqual({
      file: 'rig/baseline.yaml',
      sha256: 'b'.repeat(64),
      strict: false,
      entries: 4,
      known: 4,
      changed: 0,
      stale: [],
      notRun: 0,
    })
    expect(runExitCode(r)).toBe(EXIT.ok)
  })

  it('keeps the true verdicts of units, cases and groups, and leaves its input alone', () => {
    const before = rigRun()
    const r = applyBaseline(before, baselineOf(FULL), { strict: false })
    expect(unitsOf(r).map((u) => u.verdict)).toEqual(unitsOf(before).map((u) => u.verdict))
    expect(unitOf(r, '5.3-7-1b').verdict).toBe('FAIL')
    expect(r.groups.map((g) => g.verdict)).toEqual(before.groups.map((g) => g.verdict))
    expect(unitsOf(before).some((u) => u.baseline)).toBe(false)
    expect(before.baseline).toBeUndefined()
  })

  it('an unlisted FAIL fails the run as before', () => {
    const r = apply(FULL.filter((e) => e.unit !== '5.3-7-1b'))
    expect(unitOf(r, '5.3-7-1b').baseline).toBeUndefined()
    expect(runExitCode(r)).toBe(EXIT.fail)
  })

  it('an unlisted INCONCLUSIVE leaves the run inconclusive', () => {
    const r = apply(FULL.filter((e) => e.unit !== '5.3-7-1d'))
    expect(runExitCode(r)).toBe(EXIT.inconclusive)
  })

  it('a listed unit with another non-pass verdict than expected is changed, not known', () => {
    const r = apply([...FULL.filter((e) => e.unit !== '5.3-7-1b'), entry('5.3-7-1b', 'INCONCLUSIVE')])
    expect(unitOf(r, '5.3-7-1b').baseline?.status).toBe('changed')
    expect(r.baseline?.changed).toBe(1)
    expect(r.baseline?.known).toBe(3)
    expect(runExitCode(r)).toBe(EXIT.fail)

    const inconclusive = apply([...FULL.filter((e) => e.unit !== '5.3-7-1d'), entry('5.3-7-1d', 'FAIL')])
    expect(unitOf(inconclusive, '5.3-7-1d').baseline?.status).toBe('changed')
    expect(runExitCode(inconclusive)).toBe(EXIT.inconclusive)
  })

  it('an entry whose unit passes is stale: named, annotated, exit unaffected; a failure under strict', () => {
    const entries = [...FULL, entry('5.3-7-1a', 'FAIL', { ticket: 'RIG-9' })]
    const r = apply(entries)
    expect(r.baseline?.stale).toEqual([{ ...entry('5.3-7-1a', 'FAIL', { ticket: 'RIG-9' }), now: ['PASS'] }])
    expect(unitOf(r, '5.3-7-1a').baseline?.status).toBe('stale')
    expect(runExitCode(r)).toBe(EXIT.ok)
    expect(runExitCode(apply(entries, true))).toBe(EXIT.fail)
  })

  it('strict mode without stale entries keeps the run green', () => {
    expect(runExitCode(apply(FULL, true))).toBe(EXIT.ok)
  })

  it('an entry for a target the run no longer has is stale, with nothing now', () => {
    const r = apply([...FULL, entry('5.3-7-1c', 'FAIL', { target: 'UpdMech-Gone' })])
    expect(r.baseline?.stale.map((e) => [e.target, e.now])).toEqual([['UpdMech-Gone', []]])
  })

  it('an entry for a unit the run did not run is neither known nor stale', () => {
    const r = apply([...FULL, entry('5.3-16-1a', 'FAIL')])
    expect(r.baseline?.notRun).toBe(1)
    expect(r.baseline?.stale).toEqual([])
    expect(runExitCode(r)).toBe(EXIT.ok)
  })

  it('an entry without target covers every target no more specific entry covers', () => {
    const r = apply([entry('5.3-7-1b', 'FAIL'), entry('5.3-7-1d', 'INCONCLUSIVE'), entry('5.3-7-1c', 'FAIL')])
    expect(unitOf(r, '5.3-7-1c', 'UpdMech-1').baseline?.status).toBe('known')
    // UpdMech-2 is INCONCLUSIVE, the entry expects FAIL.
    expect(unitOf(r, '5.3-7-1c', 'UpdMech-2').baseline?.status).toBe('changed')
    // A passing target of an entry that still fails elsewhere does not make it stale.
    expect(unitOf(r, '5.3-7-1c', 'UpdMech-3').baseline).toBeUndefined()
    expect(r.baseline?.stale).toEqual([])
    expect(runExitCode(r)).toBe(EXIT.inconclusive)

    const specific = apply([
      entry('5.3-7-1b', 'FAIL'),
      entry('5.3-7-1d', 'INCONCLUSIVE'),
      entry('5.3-7-1c', 'FAIL'),
      entry('5.3-7-1c', 'INCONCLUSIVE', { target: 'UpdMech-2', ticket: 'RIG-2' }),
    ])
    expect(unitOf(specific, '5.3-7-1c', 'UpdMech-2').baseline).toMatchObject({ status: 'known', ticket: 'RIG-2' })
    expect(runExitCode(specific)).toBe(EXIT.ok)
  })

  it('a general entry left only with passing units is stale, though specific entries of its unit still fail', () => {
    const r = apply([...FULL, entry('5.3-7-1c', 'FAIL', { ticket: 'RIG-4' })])
    // UpdMech-1 and -2 answer to their own entries; the general one is left with UpdMech-3, which passes.
    expect(r.baseline?.stale.map((e) => [e.unit, e.ticket, e.now])).toEqual([['5.3-7-1c', 'RIG-4', ['PASS']]])
    expect(unitOf(r, '5.3-7-1c', 'UpdMech-3').baseline?.status).toBe('stale')
    expect(unitOf(r, '5.3-7-1c', 'UpdMech-1').baseline?.status).toBe('known')
  })

  it('equally specific entries: the first in the file wins the unit, the other is left stale', () => {
    const r = apply([
      ...FULL.filter((e) => e.unit !== '5.3-7-1b'),
      entry('5.3-7-1b', 'FAIL', { ticket: 'A' }),
      entry('5.3-7-1b', 'FAIL', { ticket: 'B' }),
    ])
    expect(unitOf(r, '5.3-7-1b').baseline?.ticket).toBe('A')
    expect(r.baseline?.stale.map((e) => [e.ticket, e.now])).toEqual([['B', []]])
  })
})

describe('a merged assessment (ts701 report)', () => {
  it("drops the runs' baseline annotations: the comparison judged one run, not the merge", () => {
    const run = apply()
    expect(unitOf(run, '5.3-7-1b').baseline?.status).toBe('known')
    const merged = mergeRuns([{ label: 'run1', dir: '/runs/1', results: run }], loadEdition(run.standard))
    expect(unitsOf(merged).filter((u) => u.baseline)).toEqual([])
    expect(merged.baseline).toBeUndefined()
    expect(unitOf(merged, '5.3-7-1b').verdict).toBe('FAIL')
  })
})
