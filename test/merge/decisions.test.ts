// Decisions applied to stored results settle exactly what a run would let them settle.
import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import type { Decision } from '../../ixit/types.ts'
import { applyDecisions } from '../../merge/decisions.ts'
import { oneCaseRun } from '../reports/fixture.ts'

const decision = (unit: string, target?: string): Decision => ({
  unit,
  ...(target && { target }),
  verdict: 'PASS',
  rationale: 'checked by hand',
  assessor: 'T. Tester',
  date: '2026-12-02',
  source: { file: 'decisions.yaml', line: 1, column: 1 },
})

const results = (units: UnitResult[]): RunResults =>
  oneCaseRun(units, { dut: 'X', conceptualOnly: false, groups: oneCaseRun(units).groups.map((g) => ({ ...g, verdict: 'INCONCLUSIVE' })) })

const unit = (over: Partial<UnitResult>): UnitResult => ({
  id: '5.3-7-1d',
  target: 'UpdMech-1',
  verdict: 'INCONCLUSIVE',
  reason: 'assessor review: feasible?',
  source: 'rule',
  reads: [],
  ...over,
})

describe('applyDecisions', () => {
  const edition = loadEdition('en303645-v3.1.3')

  it('settles a unit the rules left open, matched by its IXIT entry', () => {
    const { results: r, applied } = applyDecisions(
      results([unit({}), unit({ target: 'UpdMech-2' })]),
      [decision('5.3-7-1d', 'UpdMech-1')],
      edition,
    )
    expect(applied.map((u) => u.target)).toEqual(['UpdMech-1'])
    expect(r.groups[0]!.cases[0]!.units).toMatchObject([
      { verdict: 'PASS', source: 'assessor', reason: 'checked by hand', assessor: { name: 'T. Tester', date: '2026-12-02' } },
      { verdict: 'INCONCLUSIVE', source: 'rule' },
    ])
  })

  it('leaves decided units, observations that could not be made and units nobody ran alone', () => {
    const kept = [
      unit({ verdict: 'FAIL', reason: 'rule says so' }),
      unit({ target: 'UpdMech-2', source: 'observed', reason: 'the device did not answer' }),
      unit({ target: 'UpdMech-3', source: 'harness', reason: 'not run' }),
    ]
    const d = ['UpdMech-1', 'UpdMech-2', 'UpdMech-3'].map((t) => decision('5.3-7-1d', t))
    const { results: r, applied } = applyDecisions(results(kept), d, edition)
    expect(applied).toEqual([])
    expect(r.groups[0]!.cases[0]!.units).toEqual(kept)
  })

  it('settles an observation that put its question to the assessor', () => {
    const asked = unit({ source: 'observed', review: true, evidence: ['E000001'] })
    const { results: r } = applyDecisions(results([asked]), [decision('5.3-7-1d', 'UpdMech-1')], edition)
    expect(r.groups[0]!.cases[0]!.units[0]).toEqual({
      id: '5.3-7-1d',
      target: 'UpdMech-1',
      verdict: 'PASS',
      reason: 'checked by hand',
      source: 'assessor',
      reads: [],
      assessor: { name: 'T. Tester', date: '2026-12-02' },
    })
  })
})
