import type * as Vitest from 'vitest'
import type { Plan, PlannedGroup } from '../catalog/plan.ts'
import type { BaselineIdentity } from '../core/dut.ts'
import { LabFaultError } from '../core/errors.ts'
import type { Assessment } from '../ixit/types.ts'
import { evaluateUnit, indexRules } from './evaluate.ts'
import { indexChecks, runFunctionalUnit, type FunctionalCheck, type LabPayload } from './functional.ts'
import { asLabFault } from './lab-fault.ts'
import { undecided } from './journal.ts'
import { unitName } from './results.ts'
import type { Rule } from './rule.ts'
import type { RunSession } from './session.ts'
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
    /** A lab fault met in this worker: the run stops without verdicts (harness/lab-fault.ts). */
    ts701LabFault?: string
  }
}

/** The first lab fault of this worker: every functional unit after it stops at once. */
let labFault: LabFaultError | undefined

/**
 * Set when this worker got SIGINT (Ctrl+C reaches the whole process group; the main process
 * forwards SIGTERM as SIGINT): no further unit touches the device.
 */
let interrupted = false

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
  return vi.test.extend('ts701Session', { scope: 'worker' }, async ({}, { onCleanup }): Promise<RunSession | LabFaultError> => {
    // The default would end the worker on the spot, leaving the device mid-experiment: it winds
    // down instead (session.interrupt), and the main process waits for that, within its grace.
    let session: RunSession | undefined
    const onInterrupt = () => {
      interrupted = true
      void session?.interrupt()
    }
    process.on('SIGINT', onInterrupt)
    // A lab fault at the start (the emulator cannot listen) is handed to every unit, which stops on it.
    // Loaded with the first functional unit: a conceptual run never touches adapters or the emulator.
    const { RunSession } = await import('./session.ts')
    const started = await RunSession.start({ lab: payload.lab, progress: payload.progress }).catch((err: unknown) => {
      const fault = asLabFault(err)
      if (!fault) throw err
      return fault
    })
    if (started instanceof LabFaultError) {
      process.off('SIGINT', onInterrupt)
      return started
    }
    session = started
    const open = started
    if (interrupted) void open.interrupt()
    onCleanup(async () => {
      process.off('SIGINT', onInterrupt)
      // An interrupted session finishes winding down (the restore) before it is closed.
      await (interrupted ? open.interrupt() : open.stop()).catch((err: unknown) => {
        // The verdicts are in by now; what would not close goes on the record, not into a verdict.
        open.evidence.record({ channel: 'harness', summary: err instanceof Error ? err.message : String(err) })
      })
    })
    // The lab first asks what the device is: the baseline experiments return to, and the identity
    // the report names. A device that does not answer is left to the units, which say so.
    if (!interrupted) await open.baseline().catch(() => undefined)
    return open
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

/** No verdict: the fault goes to the main process, which ends the run with it. */
function stopForFault(task: Reporting['task'], fault: LabFaultError): never {
  task.meta.ts701LabFault = fault.message
  throw new VerdictError(`lab fault: ${fault.message}`)
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
            if (ts701Session instanceof LabFaultError) labFault ??= ts701Session
            if (labFault || ts701Session instanceof LabFaultError) return stopForFault(task, labFault ?? (ts701Session as LabFaultError))
            if (interrupted) return report({ task, skip }, undecided(p, 'the run was interrupted'))
            const session = ts701Session
            const result = await runFunctionalUnit(p, group.applicability, { assessment, edition, checks, session }).catch(
              (err: unknown) => {
                const fault = asLabFault(err)
                if (!fault) throw err
                labFault ??= fault
                session.evidence.record({ channel: 'harness', summary: `lab fault, the run stops: ${fault.message}` })
                return undefined
              },
            )
            if (!result) return stopForFault(task, labFault!)
            if (session.observedDut) task.meta.ts701Dut = session.observedDut
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
