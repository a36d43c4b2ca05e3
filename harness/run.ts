import { stat } from 'node:fs/promises'
import { buildPlan, type Plan } from '../catalog/plan.ts'
import { checkAgainstCatalog } from '../catalog/check.ts'
import { loadEdition } from '../catalog/editions.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import { loadAssessment } from '../ixit/load.ts'
import type { Assessment, Finding } from '../ixit/types.ts'
import { LabFaultError, UsageError } from '../core/errors.ts'
import { prepareLab, type PreparedLab } from './lab.ts'
import { inputDocuments, runMeta, type RunPeople } from './meta.ts'
import { composeGroups } from './results.ts'
import { resultFrom, runSuites } from './suite-runner.ts'
import type { GroupResult, InputDocument, OutputFile, RunResults } from '../core/verdict.ts'

export interface PreparedAssessment {
  assessment: Assessment
  plan: Plan
  /** The device side of the run; absent for conceptual-only runs. */
  lab?: PreparedLab
  conceptualOnly: boolean
  /** Warnings from loading, the catalog check and applicability. */
  findings: Finding[]
  /** The documents and the DUT profile read, by their hashes. */
  inputs: InputDocument[]
}

export interface PrepareOptions {
  standard?: string
  groups?: string[]
  conceptualOnly?: boolean
  /**
   * The DUT profile, the output folder and the environment the profile's credentials are read
   * from, for runs with a device.
   */
  dut?: { profileFile: string; out: string; env: NodeJS.ProcessEnv }
}

/** Loads and checks the documents and plans the run; invalid input throws with every finding. */
export async function prepare(dir: string, options: PrepareOptions = {}): Promise<PreparedAssessment> {
  const edition = loadEdition(options.standard)
  const unknown = (options.groups ?? []).filter((id) => !edition.groups.some((g) => g.id === id))
  if (unknown.length) {
    throw new UsageError(
      `${unknown.join(', ')}: not a test group of ${edition.title} (groups: ${edition.groups.map((g) => g.id).join(', ')})`,
    )
  }
  const loaded = await loadAssessment(dir)
  if (!loaded.assessment) throw new InvalidAssessmentError(loaded.findings)
  const findings = [...loaded.findings, ...checkAgainstCatalog(edition, loaded.assessment)]
  if (hasErrors(findings)) throw new InvalidAssessmentError(findings)
  const conceptualOnly = options.conceptualOnly ?? false
  const lab = options.dut && !conceptualOnly ? await prepareLab(options.dut.profileFile, options.dut.out, options.dut.env) : undefined
  const plan = buildPlan(edition, loaded.assessment, {
    groups: options.groups,
    ...(conceptualOnly && { kinds: ['conceptual'] }),
    ...(lab && { attacks: lab.variants }),
  })
  return {
    assessment: loaded.assessment,
    plan,
    ...(lab && { lab }),
    conceptualOnly,
    findings: [...findings, ...(lab?.findings ?? []), ...plan.findings],
    inputs: await inputDocuments(loaded.assessment, lab ? options.dut?.profileFile : undefined),
  }
}

/**
 * Decisions that contradict what a rule decided on its own. They are not applied (a mechanical
 * verdict stands), and the assessor should know their judgement was overruled.
 */
export function unusedDecisions(a: Assessment, groups: GroupResult[]): Finding[] {
  const units = groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  return a.decisions.flatMap((d): Finding[] => {
    const hit = units.find((u) => u.id === d.unit && (u.target === undefined || u.target === d.target))
    // A unit nobody decided (it did not run) overrules no decision: only a rule or an observation can.
    if (!hit || hit.source === 'assessor' || hit.source === 'harness' || hit.verdict === 'NOT APPLICABLE' || hit.verdict === d.verdict)
      return []
    return [
      {
        severity: 'warning',
        code: 'decision-not-applied',
        ...d.source,
        message: `decision for ${d.unit}${d.target ? ` [${d.target}]` : ''} not applied: ${hit.source === 'observed' ? 'the observation' : 'the rule'} decided ${hit.verdict}`,
      },
    ]
  })
}

/**
 * How long vitest lets one functional unit run before giving up on it. The first unit of an
 * experiment (an attack campaign, the check observation) waits for all of it; every device step
 * has its own, shorter timeout inside, so this is only the backstop for a device that hangs.
 */
function unitBudgetMs({ lab: { profile }, variants }: PreparedLab): number {
  const attempts = variants.length + 4
  // A device that reports only to its server is waited on through its observe facts instead.
  const factMs = (fact: object | undefined) => (fact && 'timeoutMs' in fact && typeof fact.timeoutMs === 'number' ? fact.timeoutMs : 0)
  const outcomeMs = Math.max(profile.operations['read-outcome']?.timeoutMs ?? 60_000, factMs(profile.observe?.outcome))
  const perAttempt = outcomeMs + factMs(profile.observe?.version) + profile.adapter.timeouts.defaultMs * 4
  return profile.observationSeconds * 1000 * 2 + attempts * perAttempt
}

/** The files of the run itself that exist: a run whose units never reached the DUT has no evidence. */
async function runFiles(lab: PreparedLab | undefined): Promise<OutputFile[]> {
  if (!lab) return []
  return (await stat(lab.lab.evidenceFile).then(
    () => true,
    () => false,
  ))
    ? [lab.evidence]
    : []
}

export interface ExecuteOptions {
  /** Whether long waits may draw progress on stderr; the CLI knows whether that is a terminal. */
  progress: boolean
  /** The lab and assessors, for the report's cover. */
  people?: RunPeople
}

/** Runs the planned groups as vitest suites and folds the verdicts into the result model. */
export async function execute(prepared: PreparedAssessment, options: ExecuteOptions): Promise<RunResults> {
  const startedAt = new Date().toISOString()
  const lab = prepared.lab
  const outcome = await runSuites({
    assessment: prepared.assessment,
    plan: prepared.plan,
    ...(lab && { lab: lab.lab }),
    unitTimeoutMs: lab ? unitBudgetMs(lab) : 30_000,
    progress: options.progress,
  })
  if (outcome.labFault !== undefined) {
    const where = lab ? ` (what happened is in ${lab.lab.evidenceFile})` : ''
    throw new LabFaultError(`lab fault, the run stopped without verdicts: ${outcome.labFault}${where}`)
  }
  const groups = composeGroups(prepared.plan, (p) => resultFrom(outcome, p))
  return {
    standard: prepared.plan.edition.id,
    standardTitle: prepared.plan.edition.title,
    dut: prepared.assessment.dut,
    ...(outcome.observedDut && { observedDut: outcome.observedDut }),
    startedAt,
    finishedAt: new Date().toISOString(),
    conceptualOnly: prepared.conceptualOnly,
    findings: [...prepared.findings, ...unusedDecisions(prepared.assessment, groups)],
    attacks: (lab?.lab.attacks ?? []).map((a) => ({ name: a.name, kind: a.kind, description: a.description, sha256: a.sha256 })),
    files: await runFiles(lab),
    groups,
    meta: await runMeta(prepared.assessment, prepared.inputs, options.people),
  }
}
