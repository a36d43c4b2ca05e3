/**
 * Terminal summary: one line per test group with unit verdict counts, and under a group the units
 * ts701 adds to corroborate it, on a line of their own (they do not count toward the group).
 * Plain text; callers that want colour can match the verdict column, which is fixed-width for that
 * reason.
 */
import { allOf } from '../harness/aggregate.ts'
import { resultName, type BaselineSummary, type GroupResult, type RunResults, type UnitResult, type Verdict } from '../core/verdict.ts'
import type { Reporter } from './reporter.ts'

const WIDTH = 100
const ID = 8
const VERDICT = 15
const STATUS = 11
const COUNT = 5
const COUNTED: readonly Verdict[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT APPLICABLE']

/** Lines joined with `\n`, no trailing newline. */
export function renderSummary(results: RunResults): string {
  const mode = results.conceptualOnly ? ' (conceptual only)' : ''
  const lines = [fit(`${oneLine(results.standardTitle)} — DUT: ${oneLine(results.dut)}${mode}`, WIDTH)]
  lines.push(row('group', 'verdict', 'status', ['pass', 'fail', 'inc', 'n/a'], 'title'))

  const totals = new Map<Verdict, number>()
  for (const group of results.groups) {
    const [standard, added] = split(group)
    for (const units of [standard, added]) {
      for (const [verdict, n] of countUnits(units)) totals.set(verdict, (totals.get(verdict) ?? 0) + n)
    }
    lines.push(row(group.id, group.verdict, group.status, cells(standard), group.title))
    if (added.length > 0) {
      const ids = [...new Set(added.map((u) => u.id))].join(', ')
      lines.push(row('+ts701', allOf(added.map((u) => u.verdict)), '', cells(added), `corroboration, not counted: ${ids}`))
    }
  }
  const units = [...totals.values()].reduce((sum, n) => sum + n, 0)
  const groups = `${results.groups.length} group${results.groups.length === 1 ? '' : 's'}`
  const totalCells = COUNTED.map((v) => String(totals.get(v) ?? 0))
  lines.push(row('total', groups, '', totalCells, `${units} unit${units === 1 ? '' : 's'}`))
  if (results.baseline) lines.push(...baselineLines(results.baseline, results.groups))
  return lines.join('\n')
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** What the baseline made of the run: known failures, stale entries and units listed with another verdict, each named. */
function baselineLines(b: BaselineSummary, groups: readonly GroupResult[]): string[] {
  const counts = [
    `${plural(b.known, 'known failure', 'known failures')} (baseline)`,
    plural(b.stale.length, 'stale entry', 'stale entries'),
    ...(b.changed ? [`${plural(b.changed, 'listed unit', 'listed units')} not as expected`] : []),
    ...(b.notRun ? [`${plural(b.notRun, 'entry', 'entries')} not run`] : []),
  ]
  const lines = [`${counts.join(', ')} — ${oneLine(b.file)}`]
  if (b.strict && b.stale.length > 0) lines.push('--strict-baseline: the stale entries below fail the run')
  for (const e of b.stale) {
    const now = e.now.length ? `now ${e.now.join(', ')}` : 'nothing in this run matches it'
    lines.push(
      `stale: ${resultName({ id: e.unit, target: e.target, variant: e.variant })} (${e.ticket}) expected ${e.expected}, ${now}: remove the entry`,
    )
  }
  for (const u of groups.flatMap((g) => g.cases.flatMap((c) => c.units))) {
    if (u.baseline?.status === 'changed') {
      lines.push(`not as expected: ${resultName(u)} is ${u.verdict}, the baseline expects ${u.baseline.expected} (${u.baseline.ticket})`)
    }
  }
  return lines.map((l) => fit(oneLine(l), WIDTH))
}

/** The group's units: the standard's, and those ts701 adds (a case of its own, or a unit inside a standard case). */
function split(group: GroupResult): [UnitResult[], UnitResult[]] {
  const units = group.cases.flatMap((c) => c.units.map((u) => ({ u, added: c.origin === 'ts701' || u.origin === 'ts701' })))
  return [units.filter((x) => !x.added).map((x) => x.u), units.filter((x) => x.added).map((x) => x.u)]
}

function countUnits(units: UnitResult[]): Map<Verdict, number> {
  const counts = new Map<Verdict, number>()
  for (const unit of units) counts.set(unit.verdict, (counts.get(unit.verdict) ?? 0) + 1)
  return counts
}

const cells = (units: UnitResult[]): string[] => {
  const counts = countUnits(units)
  return COUNTED.map((v) => String(counts.get(v) ?? 0))
}

function row(id: string, verdict: string, status: string, counts: string[], title: string): string {
  const left =
    pad(oneLine(id), ID) +
    pad(verdict, VERDICT) +
    pad(oneLine(status), STATUS) +
    counts.map((n) => n.padStart(COUNT - 1) + ' ').join('') +
    ' '
  return (left + fit(oneLine(title), Math.max(WIDTH - [...left].length, 1))).trimEnd()
}

/** Pads to the column width, keeping at least one space so long values never run together. */
function pad(value: string, width: number): string {
  return `${value} `.padEnd(width)
}

function fit(value: string, width: number): string {
  const chars = [...value]
  return chars.length <= width ? value : `${chars.slice(0, width - 1).join('')}…`
}

// Titles and DUT names come from documents; a newline or escape sequence in them must not be
// able to break the layout or drive the terminal.
function oneLine(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

export const summaryReporter: Reporter = {
  name: 'summary',
  async write(results, { io }) {
    io.out(renderSummary(results))
  },
}
