import type { PlannedUnit } from '../catalog/plan.ts'
import type { Applicability } from '../catalog/applicability.ts'
import type { Edition, UnitDef } from '../catalog/types.ts'
import type { Assessment, IxitEntry } from '../ixit/types.ts'
import type { DutProfile } from '../profile/types.ts'
import { Ts701Error } from '../core/errors.ts'
import { conclude, findEntry, notApplicable } from './evaluate.ts'
import { rethrowLabFault } from './lab-fault.ts'
import type { Outcome } from './rule.ts'
import type { Session } from './session.ts'
import type { UnitResult } from '../core/verdict.ts'

/** The variant name of the valid image: the positive control after every attack campaign. */
export const CONTROL_VARIANT = 'valid-image'

/** What the lab brings to a run with a device: handed to the workers, so plain data only. */
export interface LabPayload {
  /** The DUT profile, loaded and checked once in the main process; plain data, so it clones. */
  profile: DutProfile
  /**
   * The environment variables the profile names (`passwordEnv`, `tokenEnv`, …), read once in the
   * main process: the workers never consult their own environment for the device's secrets.
   */
  credentials: Record<string, string>
  /** Where evidence entries are appended (JSON lines). */
  evidenceFile: string
  /** A folder for files the run makes (derived attack images). */
  workDir: string
  /** Attack images derived for this DUT, in the order the campaign delivers them. */
  attacks: Array<{
    name: string
    description: string
    kind: string
    path: string
    size: number
    sha256: string
    /** Raw byte flips: the byte changed and whether it lies in a declared signed range (fixtures/attacks.ts). */
    flip?: { offset: number; signed: boolean }
    /** Offered once the valid image is installed (a rollback to the version before), not from the baseline. */
    afterUpdate?: true
    /** Companion files of a multi-file image, by part name. */
    parts?: Record<string, { path: string; size: number; sha256: string }>
    /** The part that carries the change, when not the main file (fixtures/attack-types.ts). */
    tamperedPart?: string
  }>
}

export interface FunctionalInput {
  assessment: Assessment
  edition: Edition
  unit: UnitDef
  target?: IxitEntry
  variant?: string
  emptyReason?: string
  lab: LabPayload
  /** The run's device, update server and evidence log. */
  session: Session
}

export interface Observation extends Outcome {
  /** Evidence entry IDs that show what the verdict rests on. */
  evidence?: string[]
}

/**
 * A functional check decides units by watching the DUT. Like a rule it names the unit IDs it
 * decides; unlike a rule it talks to the device, so it is asynchronous and may meet a device
 * that does not answer.
 */
export interface FunctionalCheck {
  name: string
  decides: string[]
  run(input: FunctionalInput): Promise<Observation>
}

export function indexChecks(checks: readonly FunctionalCheck[]): Map<string, FunctionalCheck> {
  const index = new Map<string, FunctionalCheck>()
  for (const check of checks) {
    for (const id of check.decides) {
      const other = index.get(id)
      if (other) throw new Error(`functional checks ${other.name} and ${check.name} both decide ${id}`)
      index.set(id, check)
    }
  }
  return index
}

export interface FunctionalContext {
  assessment: Assessment
  edition: Edition
  checks: ReadonlyMap<string, FunctionalCheck>
  /** Absent when the run has no DUT. */
  session?: Session
}

async function observe(p: PlannedUnit, ctx: FunctionalContext): Promise<Observation> {
  const needs = p.unit.needs?.join(', ') ?? 'a DUT'
  if (!ctx.session) return { verdict: 'INCONCLUSIVE', reason: `functional unit not run: it needs ${needs} and no DUT was given` }
  const check = ctx.checks.get(p.unit.id)
  if (!check)
    return {
      verdict: 'INCONCLUSIVE',
      reason: `no automated functional test exists for this unit (it needs ${needs}); assessor to record the result`,
      review: true,
    }
  try {
    return await check.run({
      assessment: ctx.assessment,
      edition: ctx.edition,
      unit: p.unit,
      target: findEntry(ctx.assessment, p.target),
      variant: p.variant,
      emptyReason: p.emptyReason,
      lab: ctx.session.lab,
      session: ctx.session,
    })
  } catch (caught) {
    // A lab fault stops the run (harness/lab-fault.ts); a device that stops answering, or answers
    // garbage, leaves the unit undecided, never the run.
    const err = rethrowLabFault(caught)
    const why = err instanceof Ts701Error ? err.message : `check ${check.name} failed: ${err instanceof Error ? err.message : String(err)}`
    return { verdict: 'INCONCLUSIVE', reason: why }
  }
}

/** Runs one planned functional unit; assessor decisions settle what the device could not show. */
export async function runFunctionalUnit(p: PlannedUnit, applicability: Applicability, ctx: FunctionalContext): Promise<UnitResult> {
  if (!applicability.applicable) return notApplicable(p, applicability)
  return conclude(p, await observe(p, ctx), ctx.session ? 'observed' : 'rule', ctx.assessment)
}
