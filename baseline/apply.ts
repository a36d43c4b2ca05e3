/**
 * Compares a run with its rig's baseline. The verdicts stay what the run found; each unit an entry
 * covers gets an annotation, and the run a summary, so the exit code, the reports and a later
 * reader all see the same comparison.
 */
import type { BaselineSummary, RunResults, StaleBaselineEntry, UnitBaseline, UnitResult, Verdict } from '../core/verdict.ts'
import type { Baseline, BaselineEntry } from './types.ts'

const failing = (v: Verdict): boolean => v === 'FAIL' || v === 'INCONCLUSIVE'

const covers = (e: BaselineEntry, u: UnitResult): boolean =>
  e.unit === u.id && (e.target === undefined || e.target === u.target) && (e.variant === undefined || e.variant === u.variant)

/** An entry naming the target and the variant says more about a unit than one naming neither. */
const specificity = (e: BaselineEntry): number => Number(e.target !== undefined) + Number(e.variant !== undefined)

/**
 * The entry a unit answers to: the most specific one that covers it, the first in the file among
 * equals, so each unit is counted once however the entries overlap.
 */
function entryFor(entries: readonly BaselineEntry[], u: UnitResult): BaselineEntry | undefined {
  let best: BaselineEntry | undefined
  for (const e of entries) if (covers(e, u) && (!best || specificity(e) > specificity(best))) best = e
  return best
}

export interface ApplyOptions {
  /** `--strict-baseline`: stale entries fail the run. */
  strict: boolean
}

export function applyBaseline(results: RunResults, baseline: Baseline, options: ApplyOptions): RunResults {
  const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const ran = new Set(units.map((u) => u.id))
  const assigned = new Map<BaselineEntry, UnitResult[]>(baseline.entries.map((e) => [e, []]))
  for (const u of units) {
    const e = entryFor(baseline.entries, u)
    if (e) assigned.get(e)!.push(u)
  }

  const notes = new Map<UnitResult, UnitBaseline>()
  const stale: StaleBaselineEntry[] = []
  let notRun = 0
  for (const [e, covered] of assigned) {
    const note = (status: UnitBaseline['status']): UnitBaseline => ({ status, expected: e.expected, ticket: e.ticket, reason: e.reason })
    // A unit this run never planned says nothing about the entry either way.
    if (covered.length === 0 && !ran.has(e.unit)) {
      notRun++
      continue
    }
    const still = covered.filter((u) => failing(u.verdict))
    if (still.length === 0) {
      stale.push({ ...e, now: [...new Set(covered.map((u) => u.verdict))] })
      for (const u of covered) notes.set(u, note('stale'))
      continue
    }
    for (const u of still) notes.set(u, note(u.verdict === e.expected ? 'known' : 'changed'))
  }

  const annotated = [...notes.values()]
  const summary: BaselineSummary = {
    file: baseline.file,
    sha256: baseline.sha256,
    strict: options.strict,
    entries: baseline.entries.length,
    known: annotated.filter((n) => n.status === 'known').length,
    changed: annotated.filter((n) => n.status === 'changed').length,
    stale,
    notRun,
  }
  return {
    ...results,
    groups: results.groups.map((g) => ({
      ...g,
      cases: g.cases.map((c) => ({
        ...c,
        units: c.units.map((u) => {
          const n = notes.get(u)
          return n ? { ...u, baseline: n } : u
        }),
      })),
    })),
    baseline: summary,
  }
}
