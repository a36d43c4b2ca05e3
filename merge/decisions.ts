/**
 * Assessor decisions applied to stored results, as a run would apply them: a decision settles a
 * unit only where the run left it open to one (harness `openToDecision`), matched by unit and,
 * for units the edition evaluates per IXIT entry, by target. What changed is returned so the
 * command can say it; cases and groups are folded again by the merge.
 */
import type { Edition, UnitDef } from '../catalog/types.ts'
import type { RunResults, UnitResult } from '../core/verdict.ts'
import { openToDecision } from '../harness/evaluate.ts'
import type { Decision } from '../ixit/types.ts'

function unitDefs(edition: Edition): Map<string, UnitDef> {
  return new Map(edition.groups.flatMap((g) => g.cases.flatMap((c) => c.units.map((u): [string, UnitDef] => [u.id, u]))))
}

export function applyDecisions(
  results: RunResults,
  decisions: readonly Decision[],
  edition: Edition,
): { results: RunResults; applied: UnitResult[] } {
  const defs = unitDefs(edition)
  const applied: UnitResult[] = []
  const settle = (u: UnitResult): UnitResult => {
    if (!openToDecision(u)) return u
    const perEntry = defs.get(u.id)?.forEach !== undefined
    const d = decisions.find((x) => x.unit === u.id && (perEntry ? x.target === u.target : true))
    if (!d) return u
    const { review: _asked, evidence: _seen, ...rest } = u
    const decided: UnitResult = {
      ...rest,
      verdict: d.verdict,
      reason: d.rationale,
      source: 'assessor',
      assessor: { name: d.assessor, date: d.date },
    }
    applied.push(decided)
    return decided
  }
  const groups = results.groups.map((g) => ({ ...g, cases: g.cases.map((c) => ({ ...c, units: c.units.map(settle) })) }))
  return { results: { ...results, groups }, applied }
}
