/**
 * Several runs of one DUT as one assessment. A lab rarely decides everything in one sitting: one
 * run covers the HTTP mechanism, another the console, a later one adds assessor decisions. The
 * merge keeps, per unit, the verdict that settled it most recently, shows every disagreement it
 * met, and folds cases and groups again with the harness's own aggregation, so a merged verdict
 * means what a run's verdict means.
 */
import type { Plan, PlannedCase, PlannedGroup, PlannedUnit } from '../catalog/plan.ts'
import type { Edition, GroupDef } from '../catalog/types.ts'
import type { CaseKind, GroupResult, RunMeta, RunRef, RunResults, UnitConflict, UnitResult } from '../core/verdict.ts'
import type { Finding } from '../core/finding.ts'
import { composeGroups } from '../harness/results.ts'
import { MergeError } from './errors.ts'

/** One run's stored results, the label its verdicts and evidence carry, and the folder it came from. */
export interface LabelledRun {
  label: string
  dir: string
  results: RunResults
}

/** A unit as one run reported it, with where that run stands in time. */
interface Sighting {
  run: LabelledRun
  /** Chronological rank of the run: higher finished later. */
  rank: number
  unit: UnitResult
}

const decisive = (s: Sighting) => s.unit.verdict === 'PASS' || s.unit.verdict === 'FAIL'
const unitKey = (u: Pick<UnitResult, 'id' | 'target' | 'variant'>) => JSON.stringify([u.id, u.target ?? null, u.variant ?? null])

/**
 * Throws unless the runs can form one assessment: at least one, labels unique and non-empty, one
 * DUT, one edition, and none a merge already. Exported so a caller can refuse before it loads
 * the edition the runs name.
 */
export function checkMergeable(runs: readonly LabelledRun[]): void {
  const [first] = runs
  if (!first) throw new MergeError('E_MERGE_LABEL', 'nothing to merge: no runs given')
  const labels = new Set<string>()
  for (const r of runs) {
    if (!r.label.trim()) throw new MergeError('E_MERGE_LABEL', `the run from ${r.dir} has an empty label`)
    if (labels.has(r.label)) throw new MergeError('E_MERGE_LABEL', `two runs are labelled "${r.label}"; labels must differ`)
    labels.add(r.label)
    if (r.results.runs) {
      throw new MergeError('E_MERGE_NESTED', `${r.label} (${r.dir}) is already a merged assessment; merge the runs it was made from`)
    }
    if (r.results.dut !== first.results.dut) {
      throw new MergeError('E_MERGE_DUT', `${first.label} assesses "${first.results.dut}" but ${r.label} assesses "${r.results.dut}"`)
    }
    if (r.results.standard !== first.results.standard) {
      throw new MergeError(
        'E_MERGE_EDITION',
        `${first.label} is assessed against ${first.results.standard} but ${r.label} against ${r.results.standard}`,
      )
    }
  }
}

/** Every group, case and unit the runs name must be in the edition, or its rules cannot fold it. */
function checkCatalog(runs: readonly LabelledRun[], edition: Edition): void {
  if (runs[0]!.results.standard !== edition.id) {
    throw new MergeError('E_MERGE_EDITION', `the runs are assessed against ${runs[0]!.results.standard}, not ${edition.id}`)
  }
  for (const r of runs) {
    for (const g of r.results.groups) {
      const gdef = edition.groups.find((d) => d.id === g.id)
      for (const c of g.cases) {
        const cdef = gdef?.cases.find((d) => d.id === c.id)
        const missing = cdef ? c.units.find((u) => !cdef.units.some((d) => d.id === u.id)) : undefined
        if (!cdef || missing) {
          const what = missing ? `unit ${missing.id} of case ${c.id}` : `case ${c.id}`
          throw new MergeError('E_MERGE_CATALOG', `${r.label} reports ${what}, which ${edition.title} does not have`)
        }
      }
    }
  }
}

/** Ranks the runs by when they finished; of two that finished together, the one given later counts as later. */
function ranks(runs: readonly LabelledRun[]): Map<LabelledRun, number> {
  const order = runs
    .map((run, index) => ({ run, index, at: Date.parse(run.results.finishedAt) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
  return new Map(order.map((o, rank) => [o.run, rank]))
}

/**
 * The verdict a unit keeps: the latest PASS or FAIL, since an undecided later run says nothing
 * against an earlier decision; with none, the latest word on it. Decisions that differ from the
 * one kept stay beside it as conflicts.
 */
function settle(sightings: readonly Sighting[]): UnitResult {
  const inTime = [...sightings].sort((a, b) => a.rank - b.rank)
  const decided = inTime.filter(decisive)
  const kept = decided.at(-1) ?? inTime.at(-1)!
  const conflicts: UnitConflict[] = decided
    .filter((s) => s !== kept && s.unit.verdict !== kept.unit.verdict)
    .map((s) => ({ run: s.run.label, verdict: s.unit.verdict, reason: s.unit.reason }))
  // A run's comparison with its rig's baseline judged that run alone, not the merged assessment.
  const { evidence, baseline: _baseline, ...unit } = kept.unit
  return {
    ...unit,
    ...(evidence && { evidence: evidence.map((e) => `${kept.run.label}/${e}`) }),
    run: kept.run.label,
    ...(conflicts.length && { conflicts }),
  }
}

/** A group stays NOT APPLICABLE only when every run that met it found it so; the latest run's reason stands. */
function applicabilityOf(seen: readonly { rank: number; group: GroupResult }[]): PlannedGroup['applicability'] {
  const notApplicable = seen.every((s) => s.group.verdict === 'NOT APPLICABLE' && s.group.reason !== undefined)
  if (!notApplicable) return { applicable: true, reason: '', conditions: [] }
  const latest = [...seen].sort((a, b) => a.rank - b.rank).at(-1)!
  return { applicable: false, reason: latest.group.reason ?? '', conditions: [] }
}

/**
 * The plan the merged units would have come from: the edition's groups and cases in catalog order,
 * each case with every unit some run reported, and the units no run of the group ran by kind
 * (conceptual-only runs) left out as a run would leave them, so such a case cannot PASS either.
 */
function mergedPlan(runs: readonly LabelledRun[], edition: Edition, rank: Map<LabelledRun, number>) {
  const resultOf = new Map<PlannedUnit, UnitResult>()
  const planGroup = (gdef: GroupDef): PlannedGroup | undefined => {
    const seen = runs.flatMap((run) =>
      run.results.groups.filter((g) => g.id === gdef.id).map((group) => ({ run, rank: rank.get(run)!, group })),
    )
    if (seen.length === 0) return undefined
    const kindsRun = new Set<CaseKind>(seen.flatMap((s) => (s.run.results.conceptualOnly ? ['conceptual'] : ['conceptual', 'functional'])))
    const cases = gdef.cases.flatMap((cdef): PlannedCase[] => {
      const byUnit = new Map<string, Sighting[]>()
      for (const s of seen) {
        for (const unit of s.group.cases.find((c) => c.id === cdef.id)?.units ?? []) {
          const key = unitKey(unit)
          byUnit.set(key, [...(byUnit.get(key) ?? []), { run: s.run, rank: s.rank, unit }])
        }
      }
      if (byUnit.size === 0) return []
      const defIndex = (id: string) => cdef.units.findIndex((u) => u.id === id)
      // Catalog order first; among a unit's targets and variants, the order the runs met them.
      const ordered = [...byUnit.values()].sort((a, b) => defIndex(a[0]!.unit.id) - defIndex(b[0]!.unit.id))
      const units = ordered.map((sightings) => {
        const { id, target, variant } = sightings[0]!.unit
        const planned: PlannedUnit = {
          groupId: gdef.id,
          caseId: cdef.id,
          unit: cdef.units[defIndex(id)]!,
          ...(target !== undefined && { target }),
          ...(variant !== undefined && { variant }),
        }
        resultOf.set(planned, settle(sightings))
        return planned
      })
      const notRun = cdef.units.filter((u) => !kindsRun.has(u.kind)).map((u) => u.id)
      return [{ def: cdef, units, ...(notRun.length && { notRun }) }]
    })
    return { def: gdef, applicability: applicabilityOf(seen), cases }
  }
  const plan: Plan = { edition, groups: edition.groups.flatMap((g) => planGroup(g) ?? []), findings: [] }
  return { plan, resultOf }
}

/** A finding every run raised is kept once as it is; one only some runs raised says which. */
function mergeFindings(runs: readonly LabelledRun[]): Finding[] {
  const raisedBy = new Map<string, { finding: Finding; labels: string[] }>()
  for (const r of runs) {
    for (const finding of r.results.findings) {
      const key = JSON.stringify(finding)
      const entry = raisedBy.get(key) ?? { finding, labels: [] }
      if (!entry.labels.includes(r.label)) entry.labels.push(r.label)
      raisedBy.set(key, entry)
    }
  }
  return [...raisedBy.values()].map(({ finding, labels }) =>
    labels.length === runs.length ? finding : { ...finding, message: `${labels.join(', ')}: ${finding.message}` },
  )
}

const unique = (values: readonly string[]) => [...new Set(values)]

/** The cover of a merged assessment: people and DUT designations unioned, input documents per run. */
function mergeMeta(runs: readonly LabelledRun[]): RunMeta | undefined {
  const withMeta = runs.flatMap((r) => (r.results.meta ? [{ label: r.label, meta: r.results.meta }] : []))
  if (withMeta.length === 0) return undefined
  const labs = unique(withMeta.flatMap((m) => (m.meta.lab ? [m.meta.lab] : [])))
  return {
    ts701Version: unique(withMeta.map((m) => m.meta.ts701Version)).join(', '),
    ...(labs.length && { lab: labs.join(', ') }),
    assessors: unique(withMeta.flatMap((m) => m.meta.assessors)),
    inputs: withMeta.flatMap((m) => m.meta.inputs.map((i) => ({ ...i, kind: `${m.label}/${i.kind}` }))),
    declared: { modelDesignations: unique(withMeta.flatMap((m) => m.meta.declared.modelDesignations)) },
  }
}

/**
 * Merges runs of one DUT and edition into one result model. Units carry the label of the run
 * their verdict comes from and cite evidence as `<label>/E000042`; `files` is left empty for the
 * caller, who knows what it writes.
 */
export function mergeRuns(runs: readonly LabelledRun[], edition: Edition): RunResults {
  checkMergeable(runs)
  checkCatalog(runs, edition)
  const rank = ranks(runs)
  const inTime = [...runs].sort((a, b) => rank.get(a)! - rank.get(b)!)
  const { plan, resultOf } = mergedPlan(runs, edition, rank)
  const groups = composeGroups(plan, (p) => {
    const result = resultOf.get(p)
    if (!result) throw new Error(`merge: no result for planned unit ${p.unit.id}`)
    return result
  })
  const first = runs[0]!.results
  const observed = inTime.filter((r) => r.results.observedDut).at(-1)?.results.observedDut
  const startedAt = runs.map((r) => r.results.startedAt).sort((a, b) => Date.parse(a) - Date.parse(b))[0]!
  const meta = mergeMeta(runs)
  return {
    standard: first.standard,
    standardTitle: first.standardTitle,
    dut: first.dut,
    ...(observed && { observedDut: observed }),
    startedAt,
    finishedAt: inTime.at(-1)!.results.finishedAt,
    conceptualOnly: runs.every((r) => r.results.conceptualOnly),
    findings: mergeFindings(runs),
    attacks: runs.flatMap((r) => r.results.attacks.map((a) => ({ ...a, name: `${r.label}/${a.name}` }))),
    files: [],
    groups,
    ...(meta && { meta }),
    runs: runs.map((r): RunRef => ({
      label: r.label,
      dir: r.dir,
      startedAt: r.results.startedAt,
      finishedAt: r.results.finishedAt,
      ...(r.results.observedDut && { observedDut: r.results.observedDut }),
      ...(r.results.seal && { seal: r.results.seal }),
    })),
  }
}
