import { basename, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Reporter, TestCase, TestModule, TestSequencer, TestSpecification, Vitest } from 'vitest/node'
import type { PlannedUnit } from '../catalog/plan.ts'
import type { BaselineIdentity } from '../core/dut.ts'
import type { RunInterrupt } from './interrupt.ts'
import { undecided, type RunJournal } from './journal.ts'
import { signalAll, workerTrees } from './process-tree.ts'
import { unitName } from './results.ts'
import type { RunPayload } from './vitest-group.ts'
import type { UnitResult } from '../core/verdict.ts'

const HERE = fileURLToPath(import.meta.url)
/** The sources in a checkout, or dist/ once built: the suite files sit beside this folder either way. */
const ROOT = join(HERE, '..', '..')
/** `.ts` when run from the sources, `.js` compiled. */
const EXT = extname(HERE)
/**
 * Compiled, the modules under the suite files are plain JavaScript: the worker imports them
 * natively rather than through vite's transform, which more than halves a conceptual run. The suite
 * files themselves stay with vitest (inline), which gives them `import.meta.vitest`, also when
 * ts701 is installed under node_modules, which vitest would otherwise leave to Node as well.
 */
const NATIVE_DEPS = {
  external: [new RegExp(`^${escapeRegExp(ROOT)}/`)],
  inline: [new RegExp(`^${escapeRegExp(join(ROOT, 'suites'))}/[^/]+\\.js$`)],
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** A suite file's group: its name without the extension. */
const groupOfFile = (moduleId: string): string => basename(moduleId, extname(moduleId))

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

/** How a run of the suites is watched over: its journal, and what stops it. */
export interface SuiteControl {
  journal?: RunJournal
  interrupt?: RunInterrupt
  /**
   * How long the workers get to wind down after an interruption (restore the device, close what
   * they opened) before they are killed.
   */
  graceMs?: number
}

class VerdictCollector implements Reporter {
  readonly outcome: SuiteOutcome = { results: new Map(), broken: new Map(), brokenGroups: new Map() }
  vitest: Vitest | undefined

  constructor(private readonly control: SuiteControl) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest
    // Interrupted while vitest was starting: no test starts at all.
    if (this.control.interrupt?.signal) void vitest.cancelCurrentRun('keyboard-input').catch(() => undefined)
  }

  onTestCaseResult(test: TestCase): void {
    // A unit that ends after the interruption ran against closed handles: its verdict says nothing.
    if (this.control.interrupt?.signal) return
    const { ts701: result, ts701Dut, ts701LabFault } = test.meta()
    if (ts701LabFault !== undefined) {
      this.outcome.labFault ??= ts701LabFault
      return
    }
    // vitest's own clock: it also times the units that ended without a verdict.
    const duration = test.diagnostic()?.duration
    const timed = duration === undefined ? {} : { durationMs: Math.round(duration) }
    if (result) {
      this.outcome.results.set(test.name, { ...result, ...timed })
      this.control.journal?.unit(test.name, { ...result, ...timed }, ts701Dut)
    } else this.outcome.broken.set(test.name, { error: firstError(test.result().errors), ...timed })
    this.outcome.observedDut ??= ts701Dut
  }

  onTestModuleEnd(module: TestModule): void {
    if (this.control.interrupt?.signal) return
    const errors = module.errors()
    if (errors.length) this.outcome.brokenGroups.set(groupOfFile(module.moduleId), firstError(errors))
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    if (this.control.interrupt?.signal) return
    if (unhandledErrors.length) this.outcome.runError = firstError(unhandledErrors)
  }
}

/** Runs suite files in catalog order, so a run's evidence reads in the order of the standard. */
function catalogOrder(groupIds: string[]): new () => TestSequencer {
  const rank = (spec: TestSpecification) => groupIds.indexOf(groupOfFile(spec.moduleId))
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
 * Starts loading vitest while the caller does other work (a run making its reference DUT's keys
 * waits on the thread pool, not the main thread): about half a second of module loading that a
 * run would otherwise spend before its first test. A failure here surfaces in runSuites.
 */
export function preloadRunner(): void {
  import('vitest/node').catch(() => undefined)
}

/**
 * Runs the planned test groups as vitest suites (one suite file per group) and collects the
 * verdicts the workers attach to their tests. Suites run in worker threads, so a group that
 * hangs or crashes costs its own units, not the run.
 */
export async function runSuites(payload: RunPayload, control: SuiteControl = {}): Promise<SuiteOutcome> {
  const { startVitest } = await import('vitest/node')
  const collector = new VerdictCollector(control)
  const { interrupt } = control
  // vitest ends the process on SIGINT/SIGTERM, leaving its worker to drive the device alone:
  // with an interrupt to honour, the run handles those signals itself (see windDown).
  const signalsBefore = interrupt ? signalListeners() : undefined
  const started = startVitest('test', [], {
    root: ROOT,
    config: false,
    watch: false,
    include: [],
    includeSource: payload.plan.groups.map((g) => join('suites', `${g.def.id}${EXT}`)),
    reporters: [collector],
    provide: { ts701: payload },
    testTimeout: payload.unitTimeoutMs,
    passWithNoTests: true,
    sequence: { sequencer: catalogOrder(payload.plan.groups.map((g) => g.def.id)) },
    // One worker for every group, not isolated: the documents and the plan reach it once, the
    // modules load once, and with a device the session (device handle, emulator, experiments)
    // lives across suite files. One device, one update server: groups run one after another.
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
    // Without a device the worker is a thread: the documents need no process of their own, and a
    // conceptual run's memory is one process's. A device gets a child process, which the run can
    // signal to wind down and kill with what it started (harness/process-tree.ts).
    pool: payload.lab ? 'forks' : 'threads',
    ...(EXT === '.js' && { server: { deps: NATIVE_DEPS } }),
  })
  if (signalsBefore) dropNewSignalListeners(signalsBefore, started)
  interrupt?.onInterrupt(() => void windDown(collector, control.graceMs ?? 10_000))
  const vitest = await started
  // Stops the worker, and with it the session (a worker fixture): device and emulator are
  // closed by the time the run's results are put together.
  await settleWithin(vitest.close(), 10_000)
  return collector.outcome
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const

function signalListeners(): Set<NodeJS.SignalsListener> {
  return new Set(STOP_SIGNALS.flatMap((s) => process.listeners(s)))
}

/** Removes the signal listeners vitest adds while it starts, once it has added them. */
function dropNewSignalListeners(before: Set<NodeJS.SignalsListener>, started: Promise<unknown>): void {
  const drop = () => {
    for (const signal of STOP_SIGNALS) {
      for (const listener of process.listeners(signal)) if (!before.has(listener)) process.off(signal, listener)
    }
  }
  // vitest's logger is made before the first reporter hears of the run; the test files take longer.
  const timer = setInterval(drop, 20)
  void started.finally(() => {
    clearInterval(timer)
    drop()
  })
}

/** Resolves when `p` settles or after `ms`, whichever comes first; never rejects. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

/**
 * After an interruption: no test after the running one starts, the worker is told (SIGINT, which
 * a Ctrl+C has brought it already) and given `graceMs` to restore the device and close; a worker
 * still there then is killed with everything it started.
 */
async function windDown(collector: VerdictCollector, graceMs: number): Promise<void> {
  void collector.vitest?.cancelCurrentRun('keyboard-input').catch(() => undefined)
  const workers = () => workerTrees()
  signalAll(
    workers().filter((p) => p.ppid === process.pid),
    'SIGINT',
  )
  const until = Date.now() + graceMs
  while (Date.now() < until && workers().length) await new Promise((resolve) => setTimeout(resolve, 100))
  signalAll(workers(), 'SIGKILL')
}

/** The verdict of a planned unit; anything that did not report one is INCONCLUSIVE, with why. */
export function resultFrom(outcome: SuiteOutcome, p: PlannedUnit, interruptedBy?: string): UnitResult {
  const name = unitName(p)
  const found = outcome.results.get(name)
  if (found) return found
  const broken = outcome.broken.get(name)
  const why =
    broken?.error ??
    (interruptedBy !== undefined ? `the run was interrupted (${interruptedBy}) before this unit was decided` : undefined) ??
    (outcome.brokenGroups.has(p.groupId) ? `suite ${p.groupId} failed: ${outcome.brokenGroups.get(p.groupId)}` : undefined) ??
    (outcome.runError !== undefined ? `the unit did not run: the test worker failed (${outcome.runError})` : undefined) ??
    'the unit did not run'
  const result = undecided(p, why)
  return broken?.durationMs === undefined ? result : { ...result, durationMs: broken.durationMs }
}
