/**
 * The `probe` source: a lab command that asks the device what the device will not tell an API,
 * e.g. `ssh dut cat /etc/sw-version`, `fw_printenv upgrade_available`, a ping. Its standard output
 * carries the value; for `alive`, its exit code 0 is the answer. Each run is evidence (bench/command.ts).
 */
import { sleep } from '../../core/duration.ts'
import { BenchError } from '../../bench/errors.ts'
import { resolveCommand, runCommand, type CommandResult } from '../../bench/command.ts'
import type { UpdateOutcome } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import type { CommandSpec, ObserveExtract, ObserveOutcomeExtract, OutcomeStates } from '../../profile/types.ts'
import { extractValue, openDetail, readOutcomeReport, type OutcomeReport } from './extract.ts'
import { notObserved, observed, ObserveError, type Reading } from './types.ts'

export interface ProbeContext {
  evidence: EvidenceLog
  /** The profile file: a probe's working directory is relative to its folder. */
  profileFile: string
  /** Set for the command: the credentials the lab handed the run. */
  env: Record<string, string>
}

/** Between two runs while waiting for a device that is still restarting. */
const RETRY_MS = 500

export function describeProbe(spec: CommandSpec): string {
  const text = spec.shell ? (spec.argv[0] ?? '') : spec.argv.join(' ')
  return `the probe \`${text.length > 80 ? `${text.slice(0, 79)}…` : text}\``
}

async function run(spec: CommandSpec, ctx: ProbeContext, label: string): Promise<CommandResult> {
  try {
    return await runCommand(resolveCommand(ctx.profileFile, spec), { evidence: ctx.evidence, label, env: ctx.env })
  } catch (err) {
    if (err instanceof BenchError) throw new ObserveError('E_OBSERVE_PROBE', err.message)
    throw err
  }
}

function failure(r: CommandResult): string | undefined {
  if (r.timedOut) return 'timed out'
  if (r.exitCode === 0) return undefined
  const said = r.stderr.trim().split('\n').at(-1)
  return `${r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`}${said ? `: ${said}` : ''}`
}

/** Runs until the value comes or `waitMs` has passed (once when 0): a restarting device may not answer at first. */
export async function probeValue(
  fact: { command: CommandSpec; extract?: ObserveExtract },
  ctx: ProbeContext,
  what: string,
  waitMs = 0,
): Promise<Reading<string>> {
  const source = describeProbe(fact.command)
  const until = Date.now() + waitMs
  const evidence: string[] = []
  let problem: string
  for (;;) {
    const r = await run(fact.command, ctx, `observe ${what}`)
    evidence.push(r.evidence)
    problem = failure(r) ?? ''
    if (!problem) {
      const got = fact.extract ? extractValue(fact.extract, { text: r.stdout }, what) : { value: r.stdout.trim() }
      if ('value' in got && got.value !== '') return observed(source, got.value, [r.evidence])
      problem = 'problem' in got ? got.problem : 'it printed nothing'
    }
    if (Date.now() >= until) break
    await sleep(RETRY_MS)
  }
  return notObserved(source, `${source} gave no ${what}: ${problem}`, evidence.slice(-3))
}

/** Runs every `intervalMs` until the output says installed or rejected, or `timeoutMs`. */
export async function probeOutcome(
  fact: { command: CommandSpec; extract: ObserveOutcomeExtract; states: OutcomeStates; intervalMs: number; timeoutMs: number },
  ctx: ProbeContext,
): Promise<Reading<UpdateOutcome>> {
  const source = describeProbe(fact.command)
  const until = Date.now() + fact.timeoutMs
  const evidence: string[] = []
  let last: OutcomeReport | undefined
  let answered = false
  for (;;) {
    const r = await run(fact.command, ctx, 'observe outcome')
    evidence.push(r.evidence)
    const failed = failure(r)
    if (!failed) {
      answered = true
      last = readOutcomeReport(fact.extract, fact.states, { text: r.stdout })
      if ('final' in last) return observed(source, last.final, [r.evidence])
    }
    if (Date.now() >= until) {
      if (!answered)
        return notObserved(source, `${source} never succeeded within ${fact.timeoutMs} ms (last: ${failed})`, evidence.slice(-3))
      return observed(source, { state: 'unknown', detail: openDetail(last, fact.states, fact.timeoutMs) }, evidence.slice(-3))
    }
    await sleep(fact.intervalMs)
  }
}

/** Exit code 0 is alive; anything else until `waitMs` has passed is not. */
export async function probeAlive(fact: { command: CommandSpec }, ctx: ProbeContext, waitMs = 0): Promise<Reading<boolean>> {
  const source = describeProbe(fact.command)
  const until = Date.now() + waitMs
  for (;;) {
    const r = await run(fact.command, ctx, 'observe alive')
    const failed = failure(r)
    if (!failed) return observed(source, true, [r.evidence])
    if (Date.now() >= until) return observed(source, false, [r.evidence], Date.now(), `${source} failed: ${failed}`)
    await sleep(RETRY_MS)
  }
}
