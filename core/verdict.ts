import type { Finding } from './finding.ts'
import type { BaselineIdentity } from './dut.ts'

/**
 * Verdicts and the result tree a run produces. PASS and FAIL are normative; NOT APPLICABLE comes
 * from applicability; INCONCLUSIVE is the harness admitting it could not decide, always with why.
 */
export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'NOT APPLICABLE'

/**
 * Who decided: a mechanical rule on the documents, an observation of the DUT, an assessor, or
 * nobody: `harness` marks a unit the run could not decide at all (it did not run, its suite or
 * worker failed), so no report claims a rule or an observation stands behind it.
 */
export type VerdictSource = 'rule' | 'observed' | 'assessor' | 'harness'

export type CaseKind = 'conceptual' | 'functional'

export interface UnitResult {
  /** Test unit ID, e.g. `5.3-7-1c`. */
  id: string
  /** The IXIT entry evaluated, for units run once per entry (e.g. `UpdMech-1`). */
  target?: string
  /** The variant, for functional units run once per attack or setting (e.g. `payload-byte`). */
  variant?: string
  /** `ts701` when the harness added the unit to corroborate the standard's own. */
  origin?: 'ts701'
  /** For the standard's units: `text` (the published TS 103 701 text) or `reading` (ts701's reading of the provision). */
  basis?: 'text' | 'reading'
  verdict: Verdict
  reason: string
  source: VerdictSource
  /** IXIT fields the unit read, as `7-UpdMech.cryptographicDetails`. */
  reads: string[]
  /** For assessor verdicts: who decided and when. */
  assessor?: { name: string; date: string }
  /** Evidence entry IDs (`E000042`) or files the verdict rests on. */
  evidence?: string[]
  /** How long the unit ran; the first unit of a shared experiment carries all of it. */
  durationMs?: number
  /** The IXIT fields the unit read from its own entry, quoted (long ones cut), for the report. */
  quotes?: FieldQuote[]
  /** An observed INCONCLUSIVE that puts a question to the assessor: a decision may settle it. */
  review?: true
  /** In a merged assessment: the label of the run this verdict comes from. */
  run?: string
  /** In a merged assessment: decisive verdicts other runs gave this unit that differ from this one. */
  conflicts?: UnitConflict[]
  /** What the rig's expected-results baseline (`ts701 run --baseline`) says of this unit; the verdict stays the true one. */
  baseline?: UnitBaseline
}

/** The verdicts a baseline may expect: those that would otherwise fail a rig's CI job. */
export type ExpectedVerdict = 'FAIL' | 'INCONCLUSIVE'

/**
 * A unit a baseline entry covers. `known`: the verdict is the one expected, so it does not fail
 * the run. `changed`: still not passing, but not as expected, so it fails the run like an
 * unlisted unit. `stale`: the entry's units no longer fail; the entry is due for removal.
 */
export interface UnitBaseline {
  status: 'known' | 'changed' | 'stale'
  expected: ExpectedVerdict
  /** The ticket that tracks the failure, as the baseline names it. */
  ticket: string
  /** Why the failure is accepted for now, as the baseline says. */
  reason: string
}

/** One expected result of a rig's baseline file (baseline/). */
export interface BaselineEntry {
  unit: string
  /** Absent: every target of the unit no more specific entry covers. */
  target?: string
  /** Absent: every variant of the unit no more specific entry covers. */
  variant?: string
  expected: ExpectedVerdict
  ticket: string
  reason: string
}

/** A baseline entry whose units no longer fail, named as the baseline file writes it. */
export interface StaleBaselineEntry extends BaselineEntry {
  /** The verdicts its units have now; empty when the unit ran but nothing matched the entry's target or variant. */
  now: Verdict[]
}

/** How a run compared with the baseline it was given; unit verdicts are not changed by it. */
export interface BaselineSummary {
  /** The baseline file, as given on the command line. */
  file: string
  sha256: string
  /** `--strict-baseline`: a stale entry fails the run. */
  strict: boolean
  entries: number
  /** Unit results whose FAIL or INCONCLUSIVE the baseline expected. */
  known: number
  /** Unit results listed with another non-pass verdict than they have now: they fail the run. */
  changed: number
  stale: StaleBaselineEntry[]
  /** Entries about units this run did not run (a group left out, or a functional unit in a conceptual-only run). */
  notRun: number
}

/** A field of the supplier's IXIT as the unit read it. */
export interface FieldQuote {
  /** The IXIT entry, e.g. `UpdMech-Network`. */
  entry: string
  /** The field as the unit names it in `reads`, e.g. `7-UpdMech.cryptographicDetails`. */
  field: string
  text: string
}

/** A verdict another run of the same DUT gave a unit, shown beside the one kept, never dropped. */
export interface UnitConflict {
  run: string
  verdict: Verdict
  reason: string
}

export interface CaseResult {
  id: string
  kind: CaseKind
  /** `ts701` for a case ts701 added: its verdict corroborates and does not count toward the group's. */
  origin?: 'ts701'
  /**
   * The case's own verdict, from the standard's units only; a unit ts701 added inside a standard
   * case is reported with it but does not change it.
   */
  verdict: Verdict
  /** Why the verdict is not the units' own, e.g. units of the case the run left out. */
  reason?: string
  units: UnitResult[]
}

export interface GroupResult {
  /** Test group ID; equals the provision ID, e.g. `5.3-7`. The group's verdict rests on the standard's cases alone. */
  id: string
  provision: string
  /** Status as the edition prints it, e.g. `M C(12)` or `RF(g)`. */
  status: string
  title: string
  verdict: Verdict
  /** Why the group is not applicable, when it is not. */
  reason?: string
  cases: CaseResult[]
}

/** An image the attack campaign delivered, as the report names it. */
export interface AttackImageResult {
  name: string
  /** Family of the attack, e.g. `bit-flip`, `signature`, `downgrade`. */
  kind: string
  description: string
  sha256: string
}

/** A file the run wrote, relative to its output folder. */
export interface OutputFile {
  path: string
  /** What it holds, e.g. `junit`, `results`, `evidence`. */
  kind: string
}

/** An input document of the run, by its hash: which ICS, IXIT, decisions and profile were read. */
export interface InputDocument {
  /** `ics`, `ixit`, `decisions`, `profile`. */
  kind: string
  path: string
  sha256: string
}

/** Who ran the assessment with what, for the report's cover. */
export interface RunMeta {
  ts701Version: string
  /** The laboratory, from `--lab`. */
  lab?: string
  /** Assessors: from `--assessor`, and every assessor named in the decisions applied. */
  assessors: string[]
  inputs: InputDocument[]
  /** The DUT as the IXIT declares it: its model designation(s). */
  declared: { modelDesignations: string[] }
}

/**
 * The run's evidence sealed before the reports are written: the SHA-256 of the manifest lines
 * (`sha256sum` format, sorted by path) of every file in the run folder at that moment, so the
 * reports name the evidence they rest on. MANIFEST.sha256 then lists every file, reports included.
 */
export interface EvidenceSeal {
  algorithm: 'sha256'
  /** How many files were sealed: `paths.length`. */
  files: number
  digest: string
  /**
   * The sealed files, relative to the run folder, sorted as in the manifest. MANIFEST.sha256 also
   * lists the reports written after the seal; these paths say which of its lines the digest covers,
   * so `ts701 verify` can recompute it from the manifest. `ts701 run` always writes them; a seal
   * without them (made by other code) types, but verify cannot confirm it.
   */
  paths?: string[]
}

/** A run a merged assessment draws on. */
export interface RunRef {
  label: string
  /** The run folder it was read from. */
  dir: string
  startedAt: string
  finishedAt: string
  observedDut?: BaselineIdentity
  seal?: EvidenceSeal
}

/**
 * Everything a run concluded. Reporters read only this, and results.json writes it as built, so
 * a field added here reaches the file without touching a reporter.
 */
export interface RunResults {
  /** Edition key, e.g. `en303645-v3.1.3`. */
  standard: string
  /** Human-readable edition pair, e.g. `EN 303 645 V3.1.3 / TS 103 701 V2.1.1`. */
  standardTitle: string
  /** The DUT as the assessment documents name it. */
  dut: string
  /** The device at baseline: what identify answered, or what was observed of a device without identify; absent when nothing was seen. */
  observedDut?: BaselineIdentity
  startedAt: string
  finishedAt: string
  conceptualOnly: boolean
  /** Warnings from the documents, the catalog check, the DUT profile and the run. */
  findings: Finding[]
  /** The attack images derived or prepared for the DUT, in delivery order. */
  attacks: AttackImageResult[]
  /** Files of the run: its evidence, then every report written before results.json. */
  files: OutputFile[]
  groups: GroupResult[]
  meta?: RunMeta
  seal?: EvidenceSeal
  /** In a merged assessment: the runs it draws on, in the order given. */
  runs?: RunRef[]
  /** Set when the run was stopped before it ended: the units not decided by then are INCONCLUSIVE. */
  interrupted?: { signal: string; at: string }
  /** Set when the run was compared with an expected-results baseline (`ts701 run --baseline`). */
  baseline?: BaselineSummary
}

/** The name a unit result carries in JUnit and vitest: `5.3-2-2b [UpdMech-Network] payload-byte`. */
export function resultName(u: { id: string; target?: string; variant?: string }): string {
  return `${u.id}${u.target === undefined ? '' : ` [${u.target}]`}${u.variant === undefined ? '' : ` ${u.variant}`}`
}
