import type { CaseDef } from '../catalog/types.ts'
import type { UnitResult, Verdict } from '../core/verdict.ts'

/**
 * Every part must pass: one FAIL fails the whole, an undecided part leaves it INCONCLUSIVE, and
 * NOT APPLICABLE parts are neutral unless nothing else is there.
 */
export function allOf(verdicts: Verdict[]): Verdict {
  const counted = verdicts.filter((v) => v !== 'NOT APPLICABLE')
  if (counted.length === 0) return 'NOT APPLICABLE'
  if (counted.includes('FAIL')) return 'FAIL'
  if (counted.includes('INCONCLUSIVE')) return 'INCONCLUSIVE'
  return 'PASS'
}

/** One passing alternative is enough (e.g. "at least one mechanism cannot be misused"). */
export function anyOf(verdicts: Verdict[]): Verdict {
  const counted = verdicts.filter((v) => v !== 'NOT APPLICABLE')
  if (counted.length === 0) return 'NOT APPLICABLE'
  if (counted.includes('PASS')) return 'PASS'
  if (counted.includes('INCONCLUSIVE')) return 'INCONCLUSIVE'
  return 'FAIL'
}

export function caseVerdict(def: Pick<CaseDef, 'aggregate'>, units: UnitResult[]): Verdict {
  if (def.aggregate === 'all') return allOf(units.map((u) => u.verdict))
  const byTarget = new Map<string, Verdict[]>()
  for (const u of units) {
    const key = u.target ?? ''
    byTarget.set(key, [...(byTarget.get(key) ?? []), u.verdict])
  }
  return anyOf([...byTarget.values()].map(allOf))
}
