import type { Plan, PlannedUnit } from '../catalog/plan.ts'
import { allOf, caseVerdict } from './aggregate.ts'
import { resultName, type GroupResult, type UnitResult } from '../core/verdict.ts'

/** The name a planned unit's result carries, see `resultName`. */
export function unitName(p: Pick<PlannedUnit, 'unit' | 'target' | 'variant'>): string {
  return resultName({ id: p.unit.id, target: p.target, variant: p.variant })
}

/**
 * Folds unit results into the group tree the reports show, in catalog order. Every planned unit
 * appears: `resultOf` must answer for each one, so nothing planned can silently vanish. What ts701
 * adds (a case of its own, a unit inside a standard case) is reported beside the standard's
 * verdicts and never changes them.
 */
export function composeGroups(plan: Plan, resultOf: (p: PlannedUnit) => UnitResult): GroupResult[] {
  return plan.groups.map((g) => {
    const cases = g.cases.map((c) => {
      const units = c.units.map(resultOf)
      const added = c.def.origin === 'ts701'
      const counted = added ? units : units.filter((u) => u.origin !== 'ts701')
      const verdict = caseVerdict(c.def, counted)
      const origin = added ? { origin: 'ts701' as const } : {}
      // A case is not passed on part of its units: those left out (--conceptual-only) leave it open.
      if (verdict === 'PASS' && c.notRun?.length) {
        const reason = `${c.notRun.join(', ')} not run (this run tests the documents only)`
        return { id: c.def.id, kind: c.def.kind, ...origin, verdict: 'INCONCLUSIVE' as const, reason, units }
      }
      return { id: c.def.id, kind: c.def.kind, ...origin, verdict, units }
    })
    return {
      id: g.def.id,
      provision: g.def.id,
      status: g.def.status,
      title: g.def.title,
      verdict: g.applicability.applicable ? allOf(cases.filter((c) => c.origin !== 'ts701').map((c) => c.verdict)) : 'NOT APPLICABLE',
      ...(!g.applicability.applicable && { reason: g.applicability.reason }),
      cases,
    }
  })
}
