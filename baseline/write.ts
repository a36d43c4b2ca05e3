/**
 * A baseline taken from a stored run: every unit the run did not pass, with the run's own reason.
 * The person who commits it to the rig's repository names the tickets; without `--ticket` each
 * entry carries a placeholder the loader refuses, so an untracked failure cannot slip into CI.
 */
import { Document } from 'yaml'
import type { ExpectedVerdict, RunResults } from '../core/verdict.ts'
import { PLACEHOLDER_TICKET, type BaselineEntry } from './types.ts'

export interface BaselineFromRun {
  standard: string
  entries: BaselineEntry[]
}

/** Every FAIL and INCONCLUSIVE unit of `results`, in the run's order, with `ticket` (or the placeholder). */
export function baselineFromResults(results: RunResults, ticket?: string): BaselineFromRun {
  const entries: BaselineEntry[] = []
  for (const u of results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))) {
    if (u.verdict !== 'FAIL' && u.verdict !== 'INCONCLUSIVE') continue
    const expected: ExpectedVerdict = u.verdict
    entries.push({
      unit: u.id,
      ...(u.target !== undefined && { target: u.target }),
      ...(u.variant !== undefined && { variant: u.variant }),
      expected,
      ticket: ticket ?? PLACEHOLDER_TICKET,
      reason: u.reason,
    })
  }
  return { standard: results.standard, entries }
}

/** Comment lines come from documents (the DUT's name, a folder): one line each, no control characters. */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()

/** The baseline as YAML, with a header saying where it came from and what to do with it. */
export function renderBaseline(baseline: BaselineFromRun, source: { run: string; dut: string; startedAt: string }): string {
  const doc = new Document({ standard: baseline.standard, units: baseline.entries })
  const placeholders = baseline.entries.filter((e) => e.ticket === PLACEHOLDER_TICKET).length
  doc.commentBefore = [
    ' Expected results of a test rig, for ts701 run --baseline <this file>.',
    ` Written by ts701 baseline from ${oneLine(source.run)} (${oneLine(source.dut)}, run started ${oneLine(source.startedAt)}).`,
    ' A listed unit that gets its expected verdict does not fail the run; one that passes again is',
    ' reported as stale (a failure under --strict-baseline): remove its entry then.',
    ...(placeholders > 0
      ? [` Replace every ticket ${PLACEHOLDER_TICKET} with the ticket that tracks the failure: ts701 refuses the file until then.`]
      : []),
  ].join('\n')
  return doc.toString({ lineWidth: 100 })
}
