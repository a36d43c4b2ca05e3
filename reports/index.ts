import type { RunResults } from '../core/verdict.ts'
import { htmlReporter } from './html/index.ts'
import { junitReporter } from './junit.ts'
import type { ReportContext, Reporter } from './reporter.ts'
import { resultsJsonReporter } from './results-json.ts'
import { summaryReporter } from './summary.ts'

export { renderJunit, writeJunit } from './junit.ts'
export { renderResultsJson, writeResultsJson } from './results-json.ts'
export { renderSummary } from './summary.ts'
export { renderReport, writeHtmlReport, loadEvidence, REPORT_HTML, type ReportInput } from './html/index.ts'
export type { ReportContext, Reporter } from './reporter.ts'

/**
 * Every report of a run, in the order they are written. results.json comes last: it lists the
 * files written before it, so a reporter added above it is listed too.
 */
export const REPORTERS: readonly Reporter[] = [junitReporter, summaryReporter, htmlReporter, resultsJsonReporter]

/** Runs the reporters one after another; the results come back with every file they wrote. */
export async function runReporters(
  results: RunResults,
  ctx: ReportContext,
  reporters: readonly Reporter[] = REPORTERS,
): Promise<RunResults> {
  let current = results
  for (const reporter of reporters) {
    const files = (await reporter.write(current, ctx)) ?? []
    current = { ...current, files: [...current.files, ...files] }
  }
  return current
}
