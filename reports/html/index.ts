import { join } from 'node:path'
import { writeFileAtomic } from '../../core/atomic-file.ts'
import type { Reporter } from '../reporter.ts'
import { EVIDENCE_LOG, loadEvidence, type ReportInput } from './input.ts'
import { renderReport } from './render.ts'

export { renderReport } from './render.ts'
export { loadEvidence, EVIDENCE_LOG, type ReportInput } from './input.ts'

export const REPORT_HTML = 'report.html'

/** Renders the report into `dir` and names the file written. */
export async function writeHtmlReport(input: ReportInput, dir: string): Promise<string> {
  const file = join(dir, REPORT_HTML)
  await writeFileAtomic(file, renderReport(input))
  return file
}

/** report.html beside the run's evidence: one self-contained page a person reads and prints. */
export const htmlReporter: Reporter = {
  name: 'html',
  async write(results, ctx) {
    const evidence = await loadEvidence(join(ctx.outDir, EVIDENCE_LOG))
    await writeHtmlReport({ results, evidence }, ctx.outDir)
    return [{ path: REPORT_HTML, kind: 'report' }]
  },
}
