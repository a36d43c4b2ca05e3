/**
 * Bench actions: what a lab does to a device around an experiment (restart it, put its baseline
 * software back, reset it, make it check for updates). A device's API may offer some of them; a
 * real device often offers none, and the lab power-cycles it with a relay, reflashes it with a
 * script or asks a person. The profile's `bench` section says which, per action; an action it does
 * not name is the device operation, where the device has it.
 */
import { notDeclared, type Dut, type Operation, type SettingChange } from '../core/dut.ts'
import type { EvidenceLog } from '../core/evidence.ts'
import type { BenchCommandStep, BenchManualStep, DutProfile } from '../profile/types.ts'
import { resolveCommand, runCommand } from './command.ts'
import { BenchError } from './errors.ts'
import { manualStep } from './manual.ts'

export type BenchAction =
  | 'reboot'
  | 'power-cycle'
  | 'power-off'
  | 'power-on'
  | 'restore'
  | 'factory-reset'
  | 'check-now'
  | 'consent-automatic-updates'
  | 'decline-automatic-updates'

export const BENCH_ACTIONS: readonly BenchAction[] = [
  'reboot',
  'power-cycle',
  'power-off',
  'power-on',
  'restore',
  'factory-reset',
  'check-now',
  'consent-automatic-updates',
  'decline-automatic-updates',
]

/**
 * The device operation of each action; a power cycle is something only the bench can do. The
 * answers to initialization's consent question are setting changes of that name, where the device's
 * API takes them; on most devices they are given in an app, by an operator or a script.
 */
const OPERATION = {
  reboot: 'reboot',
  'power-cycle': undefined,
  'power-off': undefined,
  'power-on': undefined,
  restore: 'restore',
  'factory-reset': 'factory-reset',
  'check-now': 'check-now',
  'consent-automatic-updates': 'change-settings',
  'decline-automatic-updates': 'change-settings',
} as const satisfies Record<BenchAction, Operation | undefined>

/** The setting change a bench action is, where it is one. */
const CHANGE: Partial<Record<BenchAction, SettingChange>> = {
  'consent-automatic-updates': 'consent-automatic-updates',
  'decline-automatic-updates': 'decline-automatic-updates',
}

/** After these the device restarts: it must answer again before the experiment goes on. */
export const RESTARTS: ReadonlySet<BenchAction> = new Set(['reboot', 'power-cycle', 'power-on', 'restore', 'factory-reset'])

/** How one action is done in this run. */
export type BenchPlan = { by: 'operation' } | ({ by: 'command' } & BenchCommandStep) | ({ by: 'manual' } & BenchManualStep)

/** What an action needs of the run: the profile, the device, the evidence log, and whom to ask. */
export interface BenchContext {
  profile: Pick<DutProfile, 'file' | 'bench' | 'operations'>
  dut: Dut
  evidence: EvidenceLog
  /** Set for lab commands: the secrets the profile names, so a restore script can log in to the device. */
  env?: Record<string, string>
  /** Where manual steps ask the operator. Default /dev/tty. */
  terminal?: string
}

/** The profile's way of doing the action, or undefined when it declares none (bench or operation). */
export function planFor(ctx: BenchContext, action: BenchAction): BenchPlan | undefined {
  const step = ctx.profile.bench?.[action]
  const operation = OPERATION[action]
  if (step && 'command' in step) return { by: 'command', ...step }
  if (step && 'manual' in step) return { by: 'manual', ...step }
  // `operation: true`, or not named: the device's own, if the profile declares it.
  return operation && ctx.dut.supports(operation, CHANGE[action]) ? { by: 'operation' } : undefined
}

const DEFAULT_READY_MS = 60_000

/**
 * How long the device may stay silent after a bench step: the step's own time, else the one its
 * device operation has (the schema fills that in), else the reboot's, else a minute.
 */
export function readyTimeoutMs(ctx: BenchContext, action: BenchAction, plan: BenchPlan): number {
  const own = plan.by === 'operation' ? undefined : plan.readyTimeoutMs
  const ops = ctx.profile.operations
  const operation = action === 'reboot' || action === 'restore' || action === 'factory-reset' ? ops[action] : undefined
  return own ?? operation?.readyTimeoutMs ?? ops.reboot?.readyTimeoutMs ?? DEFAULT_READY_MS
}

async function byOperation(dut: Dut, action: BenchAction): Promise<void> {
  switch (action) {
    case 'reboot':
      return dut.reboot()
    case 'restore':
      return dut.restore()
    case 'factory-reset':
      return dut.factoryReset()
    case 'check-now':
      return dut.checkNow()
    case 'consent-automatic-updates':
    case 'decline-automatic-updates':
      return dut.changeSettings(action)
    case 'power-cycle':
    case 'power-off':
    case 'power-on':
      throw new BenchError('E_BENCH_NOT_DECLARED', `${action}: switching the power is no device operation; declare bench.${action}`)
  }
}

async function byCommand(ctx: BenchContext, action: BenchAction, step: BenchCommandStep): Promise<void> {
  const spec = resolveCommand(ctx.profile.file, step.command)
  const r = await runCommand(spec, { evidence: ctx.evidence, label: action, ...(ctx.env && { env: ctx.env }) })
  if (r.timedOut)
    throw new BenchError('E_BENCH_TIMEOUT', `${action}: the bench command ran longer than ${spec.timeoutMs ?? 'its timeout'} ms`)
  if (r.exitCode !== 0) {
    const said = (r.stderr.trim() || r.stdout.trim()).split('\n').at(-1)?.slice(0, 200)
    const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`
    throw new BenchError('E_BENCH_FAILED', `${action}: the bench command ${how}${said ? `: ${said}` : ''}`)
  }
}

/**
 * Does the action the way the profile says and returns how. It does not wait for the device to
 * answer again: a device operation already has (the Dut contract), and for a bench step the run
 * session does, with readyTimeoutMs. Throws BenchError (or the Dut's DutError) when it cannot.
 */
export async function perform(ctx: BenchContext, action: BenchAction): Promise<BenchPlan> {
  const plan = planFor(ctx, action)
  const operation = OPERATION[action]
  if (!plan) {
    if (operation) throw notDeclared(operation)
    throw new BenchError('E_BENCH_NOT_DECLARED', `${action}: not declared in the DUT profile (bench.${action})`)
  }
  if (plan.by === 'operation') await byOperation(ctx.dut, action)
  else if (plan.by === 'command') await byCommand(ctx, action, plan)
  else
    await manualStep({
      label: action,
      instructions: plan.manual,
      evidence: ctx.evidence,
      ...(plan.timeoutMs !== undefined && { timeoutMs: plan.timeoutMs }),
      ...(ctx.terminal !== undefined && { terminal: ctx.terminal }),
    })
  return plan
}
