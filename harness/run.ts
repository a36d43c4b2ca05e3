import { stat } from 'node:fs/promises'
import { buildPlan, type Plan } from '../catalog/plan.ts'
import { checkAgainstCatalog } from '../catalog/check.ts'
import { loadEdition } from '../catalog/editions.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import { loadAssessment } from '../ixit/load.ts'
import type { Assessment, Finding } from '../ixit/types.ts'
import { LabFaultError, UsageError } from '../core/errors.ts'
import type { PreparedLab } from './lab.ts'
import { inputDocuments, runMeta, type RunPeople } from './meta.ts'
import type { RunInterrupt } from './interrupt.ts'
import { RunJournal } from './journal.ts'
import { composeGroups } from './results.ts'
import { resultFrom, runSuites, type SuiteOutcome } from './suite-runner.ts'
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
  /** Refuse a document (ICS, IXIT, decisions, DUT profile) larger than this; default ixit/source.ts. */
  maxDocumentBytes?: number
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
  const limits = options.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: options.maxDocumentBytes }
  const loaded = await loadAssessment(dir, limits)
  if (!loaded.assessment) throw new InvalidAssessmentError(loaded.findings)
  const findings = [...loaded.findings, ...checkAgainstCatalog(edition, loaded.assessment)]
  if (hasErrors(findings)) throw new InvalidAssessmentError(findings)
  const conceptualOnly = options.conceptualOnly ?? false
  const lab =
    options.dut && !conceptualOnly
      ? // The lab side (adapters, emulator, images) loads only for a run that drives a device.
        await (await import('./lab.ts')).prepareLab(options.dut.profileFile, options.dut.out, options.dut.env, limits)
      : undefined
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
  /** Where each unit's result is appended as it is decided (harness/journal.ts). */
  journalFile?: string
  /** Stops the run at a safe point; the units not decided by then are reported INCONCLUSIVE. */
  interrupt?: RunInterrupt
}

/**
 * How long an interrupted run's worker may take to wind down: a restore (a reflash) gets the
 * time its bench step declares, anything else a few seconds.
 */
function graceMs(lab: PreparedLab | undefined): number {
  const profile = lab?.lab.profile
  const restore = profile?.bench?.restore
  if (!restore && !profile?.operations.restore) return 5_000
  // An operator asked to reflash has the time the step gives them; a command or the device a minute.
  return (restore && 'manual' in restore && restore.timeoutMs !== undefined ? restore.timeoutMs : 60_000) + 5_000
}

/** Runs the planned groups as vitest suites and folds the verdicts into the result model. */
export async function execute(prepared: PreparedAssessment, options: ExecuteOptions): Promise<RunResults> {
  const startedAt = new Date().toISOString()
  const lab = prepared.lab
  const meta = await runMeta(prepared.assessment, prepared.inputs, options.people)
  const attacks = (lab?.lab.attacks ?? []).map((a) => ({ name: a.name, kind: a.kind, description: a.description, sha256: a.sha256 }))
  const base = {
    standard: prepared.plan.edition.id,
    standardTitle: prepared.plan.edition.title,
    dut: prepared.assessment.dut,
    startedAt,
    conceptualOnly: prepared.conceptualOnly,
    attacks,
    meta,
  }
  const journal =
    options.journalFile === undefined
      ? undefined
      : RunJournal.create(options.journalFile, prepared.plan, {
          ...base,
          finishedAt: startedAt,
          findings: prepared.findings,
          files: lab ? [lab.evidence] : [],
        })
  const { interrupt } = options
  try {
    // Interrupted while the documents and images were being prepared: nothing reaches the device.
    const outcome: SuiteOutcome = interrupt?.signal
      ? { results: new Map(), broken: new Map(), brokenGroups: new Map() }
      : await runSuites(
          {
            assessment: prepared.assessment,
            plan: prepared.plan,
            ...(lab && { lab: lab.lab }),
            unitTimeoutMs: lab ? unitBudgetMs(lab) : 30_000,
            progress: options.progress,
          },
          { ...(journal && { journal }), ...(interrupt && { interrupt }), graceMs: graceMs(lab) },
        )
    journal?.check()
    if (outcome.labFault !== undefined) {
      const where = lab ? ` (what happened is in ${lab.lab.evidenceFile})` : ''
      throw new LabFaultError(`lab fault, the run stopped without verdicts: ${outcome.labFault}${where}`)
    }
    const groups = composeGroups(prepared.plan, (p) => resultFrom(outcome, p, interrupt?.signal))
    return {
      ...base,
      ...(outcome.observedDut && { observedDut: outcome.observedDut }),
      finishedAt: new Date().toISOString(),
      findings: [...prepared.findings, ...unusedDecisions(prepared.assessment, groups)],
      files: await runFiles(lab),
      groups,
      ...(interrupt?.signal && { interrupted: { signal: interrupt.signal, at: new Date(interrupt.at!).toISOString() } }),
    }
  } finally {
    journal?.close()
  }
}
