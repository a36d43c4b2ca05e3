import type * as Vitest from 'vitest'
import type { Plan, PlannedGroup, PlannedUnit } from '../catalog/plan.ts'
import type { Assessment } from '../ixit/types.ts'
import { evaluateUnit, indexRules } from './evaluate.ts'
import { indexChecks, runFunctionalUnit, type FunctionalCheck, type LabPayload } from './functional.ts'
import { unitName } from './results.ts'
import type { Rule } from './rule.ts'
import type { UnitResult } from '../core/verdict.ts'

/** What a conformance run hands every suite worker through vitest's `provide`. */
export interface RunPayload {
  assessment: Assessment
  plan: Plan
  lab?: LabPayload
  /** Upper bound for one unit, after which vitest gives up on it (functional units wait on devices). */
  unitTimeoutMs: number
}

declare module 'vitest' {
  interface ProvidedContext {
    ts701: RunPayload | undefined
  }
  interface TaskMeta {
    ts701?: UnitResult
  }
}

/** The verdict rides along to the main process in the task meta; the thrown text is for humans. */
class VerdictError extends Error {
  override name = 'Verdict'
}

/** What a suite file contributes: its rules (conceptual) and checks (functional). */
export interface GroupSuite {
  rules: Rule[]
  checks?: FunctionalCheck[]
}

function registerUnits(vi: typeof Vitest, group: PlannedGroup, payload: RunPayload, suite: GroupSuite) {
  const { assessment, plan: { edition } } = payload
  const rules = indexRules(suite.rules)
  const checks = indexChecks(suite.checks ?? [])
  const run = (p: PlannedUnit): Promise<UnitResult> | UnitResult =>
    p.unit.kind === 'functional'
      ? runFunctionalUnit(p, group.applicability, { assessment, edition, checks, lab: payload.lab })
      : evaluateUnit(p, group.applicability, { assessment, edition, rules })

  for (const c of group.cases) {
    vi.describe(`${c.def.id} (${c.def.kind})`, () => {
      for (const p of c.units) {
        vi.test(unitName(p), { timeout: payload.unitTimeoutMs }, async (t) => {
          const result = await run(p)
          t.task.meta.ts701 = result
          if (result.verdict === 'NOT APPLICABLE') t.skip(result.reason)
          if (result.verdict === 'FAIL' || result.verdict === 'INCONCLUSIVE') {
            throw new VerdictError(`${result.verdict}: ${result.reason}`)
          }
        })
      }
    })
  }
}

/**
 * Turns one test group of the plan into vitest tests. Suite files call this only when vitest
 * runs them as conformance suites (`import.meta.vitest`), so importing a suite elsewhere is
 * side-effect free.
 */
export function registerGroup(vi: typeof Vitest, groupId: string, suite: GroupSuite): void {
  const payload = vi.inject('ts701')
  if (!payload) return
  const group = payload.plan.groups.find((g) => g.def.id === groupId)
  if (!group) return
  vi.describe(`${group.def.id} ${group.def.title}`, () => registerUnits(vi, group, payload, suite))
}
