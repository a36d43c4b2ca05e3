import type * as Vitest from 'vitest'
import type { Plan, PlannedGroup } from '../catalog/plan.ts'
import type { Assessment } from '../ixit/types.ts'
import { evaluateUnit, indexRules } from './evaluate.ts'
import { unitName } from './results.ts'
import type { Rule } from './rule.ts'
import type { UnitResult } from './verdict.ts'

/** What a conformance run hands every suite worker through vitest's `provide`. */
export interface RunPayload {
  assessment: Assessment
  plan: Plan
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

function registerCase(vi: typeof Vitest, group: PlannedGroup, payload: RunPayload, rules: Map<string, Rule>) {
  const ctx = { assessment: payload.assessment, edition: payload.plan.edition, rules }
  for (const c of group.cases) {
    vi.describe(`${c.def.id} (${c.def.kind})`, () => {
      for (const p of c.units) {
        vi.test(unitName(p), (t) => {
          const result = evaluateUnit(p, group.applicability, ctx)
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
export function registerGroup(vi: typeof Vitest, groupId: string, rules: Rule[]): void {
  const payload = vi.inject('ts701')
  if (!payload) return
  const group = payload.plan.groups.find((g) => g.def.id === groupId)
  if (!group) return
  vi.describe(`${group.def.id} ${group.def.title}`, () => registerCase(vi, group, payload, indexRules(rules)))
}
