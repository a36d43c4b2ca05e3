import { buildPlan } from '../catalog/plan.ts'
import { loadEdition } from '../catalog/editions.ts'
import { evaluateUnit, indexRules } from '../harness/evaluate.ts'
import { composeGroups } from '../harness/results.ts'
import type { GroupResult, UnitResult } from '../core/verdict.ts'
import { loadAssessment } from '../ixit/load.ts'
import type { Assessment } from '../ixit/types.ts'
import { ALL_RULES } from '../suites/index.ts'

export const EXAMPLE = 'examples/reference-dut'

/** Keeps this process busy for `ms`, as a loaded machine holds it up: timers and sockets wait. */
export function holdProcess(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until);
}
export const EDITIONS = ['en303645-v2.1.1', 'en303645-v3.1.3'] as const

export async function loadExample(dir = EXAMPLE): Promise<Assessment> {
  const { assessment, findings } = await loadAssessment(dir)
  if (!assessment) throw new Error(`example does not load:\n${findings.map((f) => f.message).join('\n')}`)
  return assessment
}

/** A copy of the assessment with one thing changed, the way a flawed supplier document would be. */
export function variant(a: Assessment, change: (copy: Assessment) => void): Assessment {
  const copy = structuredClone(a)
  change(copy)
  return copy
}

/** Evaluates the conceptual units in-process: the same engine the vitest suites call. */
export function evaluate(a: Assessment, standard: string = EDITIONS[1], groups?: string[]): GroupResult[] {
  const edition = loadEdition(standard)
  const plan = buildPlan(edition, a, { kinds: ['conceptual'], groups })
  const ctx = { assessment: a, edition, rules: indexRules(ALL_RULES) }
  const applicability = new Map(plan.groups.map((g) => [g.def.id, g.applicability]))
  return composeGroups(plan, (p) => evaluateUnit(p, applicability.get(p.groupId)!, ctx))
}

export function unitsOf(groups: GroupResult[], unitId: string): UnitResult[] {
  return groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.id === unitId)
}

export function groupOf(groups: GroupResult[], id: string): GroupResult {
  const g = groups.find((x) => x.id === id)
  if (!g) throw new Error(`no group ${id} in the results`)
  return g
}
