import { lstat, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { environmentFault, writeFileAtomic } from '../core/atomic-file.ts'
import { EnvironmentError, UsageError } from '../core/errors.ts'
import type { RunResults } from '../core/verdict.ts'
import { BaselineError } from '../baseline/errors.ts'
import { PLACEHOLDER_TICKET } from '../baseline/types.ts'
import { baselineFromResults, renderBaseline } from '../baseline/write.ts'
import { StoredResultsError } from '../merge/errors.ts'
import { reason } from '../ixit/source.ts'
import { EXIT } from './exit.ts'
import { loadRun } from './report.ts'
import type { Output } from './output.ts'

/** Where `ts701 baseline` writes without --out; `-` prints to stdout instead. */
export const DEFAULT_BASELINE_FILE = 'baseline.yaml'

export interface BaselineCommandOptions {
  /** A file, or `-` for stdout (default `baseline.yaml` in the working folder). */
  out?: string
  /** The ticket every entry names; without it, a placeholder the loader refuses. */
  ticket?: string
  /** Replace an existing file at `out`. */
  force?: boolean
}

/** A stored run as `ts701 report` reads it; one left with only its journal never finished, so it is refused as missing. */
async function storedResults(arg: string): Promise<RunResults> {
  const { results, fromJournal } = await loadRun(arg)
  if (fromJournal) {
    throw new StoredResultsError('E_RESULTS_MISSING', `${arg}: no results.json here (give a folder ts701 run wrote, or its results.json)`)
  }
  return results
}

/** Writes a baseline listing every unit the stored run did not pass. Exit 0; problems are errors (exit 3). */
export async function baseline(run: string, options: BaselineCommandOptions, io: Output): Promise<number> {
  const ticket = options.ticket?.trim()
  if (ticket === '') throw new UsageError('--ticket is blank: give the reference of the ticket that tracks these failures')
  if (ticket === PLACEHOLDER_TICKET)
    throw new UsageError(`--ticket ${PLACEHOLDER_TICKET} is the placeholder ts701 run refuses; give a real ticket`)
  const results = await storedResults(run)
  if (results.interrupted) {
    throw new BaselineError(
      'E_BASELINE_RUN',
      `${run}: the run was interrupted (${results.interrupted.signal}); its undecided units would be listed as expected: take the baseline from a complete run`,
    )
  }
  const taken = baselineFromResults(results, ticket)
  const text = renderBaseline(taken, { run, dut: results.dut, startedAt: results.startedAt })
  const out = options.out ?? DEFAULT_BASELINE_FILE
  // With the YAML on stdout, what is said about it goes to stderr, so a pipe gets the file alone.
  const say = out === '-' ? io.err : io.out
  if (out === '-') io.out(text.trimEnd())
  else await writeNew(out, text, options.force ?? false)
  const count = (v: string) => taken.entries.filter((e) => e.expected === v).length
  const where = out === '-' ? 'stdout' : out
  say(`baseline of ${taken.entries.length} unit(s) (${count('FAIL')} FAIL, ${count('INCONCLUSIVE')} INCONCLUSIVE) written to ${where}`)
  if (!ticket && taken.entries.length > 0) {
    say(
      `every entry has the ticket ${PLACEHOLDER_TICKET}: ts701 run --baseline refuses the file until each names its ticket (or use --ticket)`,
    )
  }
  return EXIT.ok
}

async function writeNew(file: string, text: string, force: boolean): Promise<void> {
  const existing = await lstat(file).catch(() => undefined)
  if (existing?.isDirectory()) throw new BaselineError('E_BASELINE_EXISTS', `--out ${file} is a folder; give the path of the baseline file`)
  if (existing && !force) throw new BaselineError('E_BASELINE_EXISTS', `${file} exists; add --force to replace it, or give another --out`)
  try {
    await mkdir(dirname(file), { recursive: true })
    await writeFileAtomic(file, text)
  } catch (err) {
    // A path through a file, say, is the user's to fix, not a bug of ts701.
    const errno = typeof (err as NodeJS.ErrnoException | undefined)?.code === 'string'
    throw environmentFault(err, file) ?? (errno ? new EnvironmentError('E_WRITE', `cannot write ${file}: ${reason(err)}`) : err)
  }
}
