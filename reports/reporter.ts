import type { OutputFile, RunResults } from '../core/verdict.ts'

/** Where a reporter writes: the run's output folder, and the terminal for reporters that print. */
export interface ReportContext {
  outDir: string
  io: { out(line: string): void; err(line: string): void }
}

/**
 * A report of a run, modelled on vitest's reporters: it reads the result model and nothing
 * else, and names the files it wrote (relative to `outDir`) so later reporters and the CLI can
 * list them. A new report is one file implementing this and one line in `REPORTERS`.
 */
export interface Reporter {
  name: string
  write(results: RunResults, ctx: ReportContext): Promise<OutputFile[] | void>
}
