import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Reporter, TestCase, TestModule, TestSequencer, TestSpecification } from 'vitest/node'
import type { PlannedUnit } from '../catalog/plan.ts'
import type { BaselineIdentity } from '../core/dut.ts'
import { unitResult } from './evaluate.ts'
import { unitName } from './results.ts'
import type { RunPayload } from './vitest-group.ts'
import type { UnitResult } from '../core/verdict.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** What vitest reported back: unit results by test name, and why suites or tests broke. */
export interface SuiteOutcome {
  results: Map<string, UnitResult>
  /** Test name → error text, for tests that ended without a verdict (timeout, crash). */
  broken: Map<string, { error: string; durationMs?: number }>
  /** Group ID → error text, for suite files that could not run at all. */
  brokenGroups: Map<string, string>
  /** What the DUT answered at baseline, when a functional unit learned it. */
  observedDut?: BaselineIdentity
  /** Errors outside any test (a worker that crashed or was killed), first one per run. */
  runError?: string
  /** The lab fault that stopped the functional units, if one did: the run has no verdicts then. */
  labFault?: string
}

const firstError = (errors: ReadonlyArray<{ message?: string }> | undefined): string =>
  errors?.[0]?.message?.split('\n')[0] ?? 'no error reported'

class VerdictCollector implements Reporter {
  readonly outcome: SuiteOutcome = { results: new Map(), broken: new Map(), brokenGroups: new Map() }

  onTestCaseResult(test: TestCase): void {
    const { ts701: result, ts701Dut, ts701LabFault } = test.meta()
    if (ts701LabFault !== undefined) {
      this.outcome.labFault ??= ts701LabFault
      return
    }
    // vitest's own clock: it also times the units that ended without a verdict.
    const duration = test.diagnostic()?.duration
    const timed = duration === undefined ? {} : { durationMs: Math.round(duration) }
    if (result) this.outcome.results.set(test.name, { ...result, ...timed })
    else this.outcome.broken.set(test.name, { error: firstError(test.result().errors), ...timed })
    this.outcome.observedDut ??= ts701Dut
  }

  onTestModuleEnd(module: TestModule): void {
    const errors = module.errors()
    if (errors.length) this.outcome.brokenGroups.set(basename(module.moduleId, '.ts'), firstError(errors))
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    if (unhandledErrors.length) this.outcome.runError = firstError(unhandledErrors)
  }
}

/** Runs suite files in catalog order, so a run's evidence reads in the order of the standard. */
function catalogOrder(groupIds: string[]): new () => TestSequencer {
  const rank = (spec: TestSpecification) => groupIds.indexOf(basename(spec.moduleId, '.ts'))
  return class {
    shard(files: TestSpecification[]) {
      return files
    }

    sort(files: TestSpecification[]) {
      return [...files].sort((a, b) => rank(a) - rank(b))
    }
  }
}

/**
 * Runs the planned test groups as vitest suites (one suite file per group) and collects the
 * verdicts the workers attach to their tests. Suites run in worker threads, so a group that
 * hangs or crashes costs its own units, not the run.
 */
export async function runSuites(payload: RunPayload): Promise<SuiteOutcome> {
  const { startVitest } = await import('vitest/node')
  const collector = new VerdictCollector()
  const vitest = await startVitest('test', [], {
    root: ROOT,
    config: false,
    watch: false,
    include: [],
    includeSource: payload.plan.groups.map((g) => join('suites', `${g.def.id}.ts`)),
    reporters: [collector],
    provide: { ts701: payload },
    testTimeout: payload.unitTimeoutMs,
    passWithNoTests: true,
    sequence: { sequencer: catalogOrder(payload.plan.groups.map((g) => g.def.id)) },
    // One device, one update server: functional groups run one after another in one worker,
    // which keeps the session (device handle, emulator, experiments) alive across suite files.
    ...(payload.lab && { fileParallelism: false, maxWorkers: 1, isolate: false }),
  })
  // Stops the worker, and with it the session (a worker fixture): device and emulator are
  // closed by the time the run's results are put together.
  await vitest.close()
  return collector.outcome
}

/** The verdict of a planned unit; anything that did not report one is INCONCLUSIVE, with why. */
export function resultFrom(outcome: SuiteOutcome, p: PlannedUnit): UnitResult {
  const name = unitName(p)
  const found = outcome.results.get(name)
  if (found) return found
  const broken = outcome.broken.get(name)
  const why =
    broken?.error ??
    (outcome.brokenGroups.has(p.groupId) ? `suite ${p.groupId} failed: ${outcome.brokenGroups.get(p.groupId)}` : undefined) ??
    (outcome.runError !== undefined ? `the unit did not run: the test worker failed (${outcome.runError})` : undefined) ??
    'the unit did not run'
  const result = unitResult(p, { verdict: 'INCONCLUSIVE', reason: `no verdict: ${why}`, source: 'harness' })
  return broken?.durationMs === undefined ? result : { ...result, durationMs: broken.durationMs }
}
