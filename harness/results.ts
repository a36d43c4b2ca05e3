import type { Plan, PlannedUnit } from '../catalog/plan.ts'
import { allOf, caseVerdict } from './aggregate.ts'
import type { GroupResult, UnitResult } from './verdict.ts'

/** The name a unit result carries in JUnit and vitest: `5.3-7-1c [UpdMech-2]`. */
export function unitName(p: Pick<PlannedUnit, 'unit' | 'target'>): string {
  return p.target === undefined ? p.unit.id : `${p.unit.id} [${p.target}]`
}

/**
 * Folds unit results into the group tree the reports show, in catalog order. Every planned unit
 * appears: `resultOf` must answer for each one, so nothing planned can silently vanish.
 */
export function composeGroups(plan: Plan, resultOf: (p: PlannedUnit) => UnitResult): GroupResult[] {
  return plan.groups.map((g) => {
    const cases = g.cases.map((c) => {
      const units = c.units.map(resultOf)
      return { id: c.def.id, kind: c.def.kind, verdict: caseVerdict(c.def, units), units }
    })
    return {
      id: g.def.id,
      provision: g.def.id,
      status: g.def.status,
      title: g.def.title,
      verdict: g.applicability.applicable ? allOf(cases.map((c) => c.verdict)) : 'NOT APPLICABLE',
      ...(!g.applicability.applicable && { reason: g.applicability.reason }),
      cases,
    }
  })
}
