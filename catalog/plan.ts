import type { CaseKind } from '../core/verdict.ts'
import type { Assessment, Finding } from '../ixit/types.ts'
import { decideApplicability, type Applicability } from './applicability.ts'
import { select } from './select.ts'
import type { CaseDef, Edition, GroupDef, UnitDef } from './types.ts'

/** One unit to run, once per selected IXIT entry (or once, without a target). */
export interface PlannedUnit {
  groupId: string
  caseId: string
  unit: UnitDef
  target?: string
  /** For functional units run per attack or setting. */
  variant?: string
  /** Set when the unit's selection is empty: why, for vacuous verdicts. */
  emptyReason?: string
}

export interface PlannedCase {
  def: CaseDef
  units: PlannedUnit[]
  /** Units of the case this run leaves out by kind (`--conceptual-only`): the case cannot PASS without them. */
  notRun?: string[]
}

export interface PlannedGroup {
  def: GroupDef
  applicability: Applicability
  cases: PlannedCase[]
}

export interface Plan {
  edition: Edition
  groups: PlannedGroup[]
  /** ICS/IXIT contradictions met while deciding applicability. */
  findings: Finding[]
}

export interface PlanOptions {
  /** Only these test groups (IDs such as `5.3-7`); all when absent or empty. */
  groups?: string[]
  /** Only units of these kinds; all when absent. */
  kinds?: CaseKind[]
  /** Names of the attack images prepared for the DUT, for units whose variants are `attacks`. */
  attacks?: string[]
}

function variantsOf(unit: UnitDef, options: PlanOptions): Array<string | undefined> {
  if (unit.variants === undefined) return [undefined]
  const names = unit.variants === 'attacks' ? (options.attacks ?? []) : unit.variants
  return names.length ? names : [undefined]
}

function expand(groupId: string, caseId: string, unit: UnitDef, a: Assessment, options: PlanOptions): PlannedUnit[] {
  if (!unit.forEach) return variantsOf(unit, options).map((variant) => ({ groupId, caseId, unit, ...(variant && { variant }) }))
  const { entries, emptyReason } = select(unit.forEach, a)
  if (entries.length === 0) return [{ groupId, caseId, unit, emptyReason }]
  return entries.flatMap((e) =>
    variantsOf(unit, options).map((variant) => ({ groupId, caseId, unit, target: e.id, ...(variant && { variant }) })),
  )
}

export function buildPlan(edition: Edition, a: Assessment, options: PlanOptions = {}): Plan {
  const findings: Finding[] = []
  const wanted = options.groups?.length ? new Set(options.groups) : undefined
  const groups = edition.groups
    .filter((g) => !wanted || wanted.has(g.id))
    .map((g): PlannedGroup => ({
      def: g,
      applicability: decideApplicability(edition, g, a, findings),
      cases: g.cases
        .map((c): PlannedCase => {
          const run = (u: UnitDef) => !options.kinds || options.kinds.includes(u.kind)
          const notRun = c.units.filter((u) => !run(u)).map((u) => u.id)
          return {
            def: c,
            units: c.units.filter(run).flatMap((u) => expand(g.id, c.id, u, a, options)),
            ...(notRun.length && { notRun }),
          }
        })
        .filter((c) => c.units.length > 0),
    }))
  return { edition, groups, findings }
}
