/**
 * A run of one group with every kind of unit a baseline meets: a pass, a FAIL, an INCONCLUSIVE,
 * a unit run once per IXIT entry with mixed verdicts, and a baseline to compare it with.
 */
import type { RunResults, UnitResult, Verdict } from '../../core/verdict.ts'
import type { Baseline, BaselineEntry } from '../../baseline/types.ts'
import { oneCaseRun } from '../reports/fixture.ts'

const unit = (id: string, verdict: Verdict, target?: string): UnitResult => ({
  id,
  ...(target && { target }),
  verdict,
  reason: `${id}${target ? ` ${target}` : ''} is ${verdict}`,
  source: 'rule',
  reads: [],
})

export function rigRun(): RunResults {
  return oneCaseRun([
    unit('5.3-7-1a', 'PASS'),
    unit('5.3-7-1b', 'FAIL'),
    unit('5.3-7-1c', 'FAIL', 'UpdMech-1'),
    unit('5.3-7-1c', 'INCONCLUSIVE', 'UpdMech-2'),
    unit('5.3-7-1c', 'PASS', 'UpdMech-3'),
    unit('5.3-7-1d', 'INCONCLUSIVE'),
  ])
}

export const entry = (unitId: string, expected: 'FAIL' | 'INCONCLUSIVE', more: Partial<BaselineEntry> = {}): BaselineEntry => ({
  unit: unitId,
  expected,
  ticket: 'RIG-1',
  reason: `accepted until the next firmware (${unitId})`,
  ...more,
})

export const baselineOf = (entries: BaselineEntry[]): Baseline => ({
  file: 'rig/baseline.yaml',
  sha256: 'b'.repeat(64),
  standard: 'en303645-v3.1.3',
  entries,
})

/** Every unit the run's failures need: with it, the rig's run is green. */
export const FULL: BaselineEntry[] = [
  entry('5.3-7-1b', 'FAIL'),
  entry('5.3-7-1c', 'FAIL', { target: 'UpdMech-1' }),
  entry('5.3-7-1c', 'INCONCLUSIVE', { target: 'UpdMech-2', ticket: 'RIG-2' }),
  entry('5.3-7-1d', 'INCONCLUSIVE'),
]

export const unitsOf = (r: RunResults): UnitResult[] => r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))

export function unitOf(r: RunResults, id: string, target?: string): UnitResult {
  const u = unitsOf(r).find((x) => x.id === id && x.target === target)
  if (!u) throw new Error(`no ${id} ${target ?? ''} in the results`)
  return u
}
