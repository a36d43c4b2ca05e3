import type * as Vitest from 'vitest'
import type { Plan, PlannedGroup } from '../catalog/plan.ts'
import type { BaselineIdentity } from '../core/dut.ts'
import type { Assessment } from '../ixit/types.ts'
import { evaluateUnit, indexRules } from './evaluate.ts'
import { indexChecks, runFunctionalUnit, type FunctionalCheck, type LabPayload } from './functional.ts'
import { unitName } from './results.ts'
import type { Rule } from './rule.ts'
import { RunSession } from './session.ts'
import type { UnitResult } from '../core/verdict.ts'

/** What a conformance run hands every suite worker through vitest's `provide`. */
export interface RunPayload {
  assessment: Assessment
  plan: Plan
  lab?: LabPayload
  /** Upper bound for one unit, after which vitest gives up on it (functional units wait on devices). */
  unitTimeoutMs: number
  /** Whether long waits may draw progress on stderr (the CLI's stderr is a terminal). */
  progress: boolean
}

declare module 'vitest' {
  interface ProvidedContext {
    ts701: RunPayload | undefined
  }
  interface TaskMeta {
    ts701?: UnitResult
    /** The DUT's baseline identity, once the session knows it. */
    ts701Dut?: BaselineIdentity
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

/**
 * The run session as a vitest worker fixture: set up when the first functional test of the
 * worker asks for it, torn down (`stop`) when vitest stops the worker, after the last suite
 * file, also when a file crashed or a test timed out. Functional groups share one worker
 * (`isolate: false`), and vitest keeps a worker fixture's value per fixture definition, so the
 * definition is made once per worker and reused by every suite file.
 */
function defineSessionTest(vi: typeof Vitest, payload: RunPayload & { lab: LabPayload }) {
  // vitest reads a fixture's dependencies from its first parameter's pattern: it must be written, empty.
  // eslint-disable-next-line no-empty-pattern
  return vi.test.extend('ts701Session', { scope: 'worker' }, async ({}, { onCleanup }) => {
    const session = await RunSession.start({ lab: payload.lab, progress: payload.progress })
    onCleanup(() =>
      session.stop().catch((err: unknown) => {
        // The verdicts are in by now; what would not close goes on the record, not into a verdict.
        session.evidence.record({ channel: 'harness', summary: err instanceof Error ? err.message : String(err) })
      }),
    )
    // The lab first asks what the device is: the baseline experiments return to, and the identity
    // the report names. A device that does not answer is left to the units, which say so.
    await session.baseline().catch(() => undefined)
    return session
  })
}

type SessionTest = ReturnType<typeof defineSessionTest>
let sessionTest: SessionTest | undefined

type Reporting = Pick<Vitest.TestContext, 'task' | 'skip'>

function report({ task, skip }: Reporting, result: UnitResult): void {
  task.meta.ts701 = result
  if (result.verdict === 'NOT APPLICABLE') skip(result.reason)
  if (result.verdict === 'FAIL' || result.verdict === 'INCONCLUSIVE') {
    throw new VerdictError(`${result.verdict}: ${result.reason}`)
  }
}

function registerUnits(
  vi: typeof Vitest,
  group: PlannedGroup,
  payload: RunPayload,
  suite: GroupSuite,
  withSession: SessionTest | undefined,
) {
  const {
    assessment,
    plan: { edition },
  } = payload
  const rules = indexRules(suite.rules)
  const checks = indexChecks(suite.checks ?? [])
  const options = { timeout: payload.unitTimeoutMs }

  for (const c of group.cases) {
    vi.describe(`${c.def.id} (${c.def.kind})`, () => {
      for (const p of c.units) {
        if (p.unit.kind === 'functional' && withSession) {
          withSession(unitName(p), options, async ({ task, skip, ts701Session }) => {
            const result = await runFunctionalUnit(p, group.applicability, { assessment, edition, checks, session: ts701Session })
            if (ts701Session.observedDut) task.meta.ts701Dut = ts701Session.observedDut
            report({ task, skip }, result)
          })
        } else {
          vi.test(unitName(p), options, async (t) => {
            const result =
              p.unit.kind === 'functional'
                ? await runFunctionalUnit(p, group.applicability, { assessment, edition, checks })
                : evaluateUnit(p, group.applicability, { assessment, edition, rules })
            report(t, result)
          })
        }
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
  // Worker fixtures can only be defined at the top level of a file, so before the describe.
  const lab = payload.lab
  const withSession = lab && (sessionTest ??= defineSessionTest(vi, { ...payload, lab }))
  vi.describe(`${group.def.id} ${group.def.title}`, () => registerUnits(vi, group, payload, suite, withSession))
}
