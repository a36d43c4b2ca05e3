import { mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { loadEdition } from '../catalog/editions.ts'
import type { RecordedEntry } from '../core/evidence.ts'
import { EnvironmentError, Ts701Error, UsageError } from '../core/errors.ts'
import { resultName, type OutputFile, type RunResults, type UnitResult } from '../core/verdict.ts'
import { formatFinding, hasErrors } from '../ixit/findings.ts'
import { loadAssessment } from '../ixit/load.ts'
import { applyDecisions } from '../merge/decisions.ts'
import { MergeError, StoredResultsError } from '../merge/errors.ts'
import { checkMergeable, mergeRuns, type LabelledRun } from '../merge/runs.ts'
import { parseStoredResults } from '../merge/stored.ts'
import { openOutFolder } from '../harness/out-folder.ts'
import { EVIDENCE_LOG, loadEvidence, REPORT_HTML, writeHtmlReport } from '../reports/html/index.ts'
import { writeJunit } from '../reports/junit.ts'
import { writeResultsJson } from '../reports/results-json.ts'
import { JOURNAL, resultsFromJournal } from '../harness/journal.ts'
import type { Output } from './output.ts'
import { timestamp } from './timestamp.ts'

const RESULTS_JSON = 'results.json'

export interface ReportCommandOptions {
  /** Where to write; never a run folder, whose files its manifest seals. */
  out?: string
  /** Write into a non-empty `out`, removing an earlier report's files (only ts701's own). */
  force?: boolean
  /** One label per run, in argument order; `run1`, `run2`… when absent. */
  labels?: string[]
  /** An assessment folder whose decisions.yaml is applied to the stored runs. */
  assessment?: string
}

export interface StoredRun {
  dir: string
  results: RunResults
  /** Rebuilt from the run journal of a run that never wrote its results.json. */
  fromJournal?: true
}

/** A run folder or its results.json, read and recognised as the result model of `ts701 run`. */
export async function loadRun(arg: string): Promise<StoredRun> {
  const info = await stat(arg).catch(() => undefined)
  if (!info) throw new StoredResultsError('E_RESULTS_MISSING', `${arg}: no such file or folder`)
  const file = info.isDirectory() ? join(arg, RESULTS_JSON) : arg
  const content = await readFile(file, 'utf8').catch(() => undefined)
  // A run stopped at once (a second Ctrl+C, a kill, a power cut) left only its journal.
  if (content === undefined && info.isDirectory() && (await stat(join(arg, JOURNAL)).catch(() => undefined))) {
    return { dir: resolve(arg), results: resultsFromJournal(join(arg, JOURNAL), loadEdition), fromJournal: true }
  }
  if (content === undefined) {
    throw new StoredResultsError(
      'E_RESULTS_MISSING',
      `${arg}: no ${RESULTS_JSON} here (give a folder ts701 run wrote, or its ${RESULTS_JSON})`,
    )
  }
  return { dir: resolve(dirname(file)), results: parseStoredResults(content, file) }
}

/**
 * The evidence a result model cites, keyed as its units cite it: a run's own log, or for a merged
 * assessment read back, the logs of the runs it names under their labels.
 */
async function evidenceOf(stored: StoredRun): Promise<Map<string, RecordedEntry>> {
  const sources = stored.results.runs?.map((r) => ({ dir: r.dir, prefix: `${r.label}/` })) ?? [{ dir: stored.dir, prefix: '' }]
  const logs = await Promise.all(sources.map((s) => loadEvidence(join(s.dir, EVIDENCE_LOG), s.prefix)))
  return new Map(logs.flatMap((log) => [...log]))
}

/** Run folders are sealed by their manifest: a report written into one would break the seal. */
function checkOutside(out: string, runs: readonly StoredRun[]): void {
  for (const dir of runs.flatMap((s) => [s.dir, ...(s.results.runs ?? []).map((r) => r.dir)])) {
    const rel = relative(dir, resolve(out))
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new UsageError(`--out ${out} is inside the run folder ${dir}, which its manifest seals; choose another folder`)
    }
  }
}

/** `conflict: 5.3-2-2b payload-byte: run1 PASS, run2 FAIL`, the kept verdict last. */
function conflictLine(u: UnitResult): string | undefined {
  if (!u.conflicts?.length) return undefined
  const verdicts = [...u.conflicts.map((c) => `${c.run} ${c.verdict}`), `${u.run} ${u.verdict}`]
  return `conflict: ${resultName(u)}: ${verdicts.join(', ')}`
}

async function merge(stored: readonly StoredRun[], labels: readonly string[], out: string, io: Output): Promise<string> {
  const runs: LabelledRun[] = stored.map((s, i) => ({ label: labels[i]!, dir: s.dir, results: s.results }))
  // Refuse different devices or editions before loading an edition only one of them names.
  checkMergeable(runs)
  const merged = mergeRuns(runs, loadEdition(runs[0]!.results.standard))
  const files: OutputFile[] = [
    { path: REPORT_HTML, kind: 'report' },
    { path: RESULTS_JSON, kind: 'results' },
  ]
  const results: RunResults = { ...merged, files }
  const logs = await Promise.all(runs.map((r) => loadEvidence(join(r.dir, EVIDENCE_LOG), `${r.label}/`)))
  const evidence = new Map(logs.flatMap((log) => [...log]))
  io.out(`merged ${runs.map((r) => `${r.label} (${r.dir})`).join(', ')}`)
  for (const u of results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))) {
    const line = conflictLine(u)
    if (line) io.out(line)
  }
  await mkdir(out, { recursive: true })
  await writeResultsJson(results, join(out, RESULTS_JSON))
  return writeHtmlReport({ results, evidence }, out)
}

async function rerender(stored: StoredRun, out: string, io: Output): Promise<string> {
  const evidence = await evidenceOf(stored)
  await mkdir(out, { recursive: true })
  if (stored.fromJournal) {
    // Everything the run would have written, from what its journal holds.
    const decided = stored.results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.source !== 'harness')
    io.out(`${stored.dir}: rebuilt from ${JOURNAL}, ${decided.length} unit(s) decided before the run ended`)
    const results: RunResults = {
      ...stored.results,
      files: [
        { path: 'junit.xml', kind: 'junit' },
        { path: REPORT_HTML, kind: 'report' },
      ],
    }
    await writeJunit(results, join(out, 'junit.xml'))
    await writeResultsJson(results, join(out, RESULTS_JSON))
  }
  return writeHtmlReport({ results: stored.results, evidence }, out)
}

/**
 * `ts701 report` states no verdict, so it has its own small table rather than `run`'s: 0 when a
 * report was written, 2 when the input could not be reported on (as `verify` uses 2).
 */
export const REPORT_EXIT = { written: 0, badInput: 2 } as const

async function write(args: readonly string[], options: ReportCommandOptions, io: Output): Promise<string> {
  if (options.labels && options.labels.length !== args.length) {
    throw new UsageError(`${options.labels.length} --label for ${args.length} run(s): give one label per run, or none`)
  }
  const stored: StoredRun[] = []
  for (const arg of args) stored.push(await loadRun(arg))
  const out = options.out ?? join('reports', `report-${timestamp()}`)
  checkOutside(out, stored)
  const labels = options.labels ?? stored.map((_, i) => `run${i + 1}`)
  const withDecisions = options.assessment ? await decided(stored, options.assessment, io) : undefined
  const folder = await openOutFolder(out, { force: options.force ?? false, command: 'ts701 report', note: (l) => io.out(l) })
  try {
    if (withDecisions) return await merge(withDecisions, labels, out, io)
    return await (stored.length === 1 ? rerender(stored[0]!, out, io) : merge(stored, labels, out, io))
  } finally {
    await folder.close()
  }
}

/**
 * The runs with the assessment's decisions applied where each left a unit open to one: what the
 * next run would conclude, without running again. Cases and groups are folded again by the merge.
 */
async function decided(stored: readonly StoredRun[], dir: string, io: Output): Promise<StoredRun[]> {
  const loaded = await loadAssessment(dir)
  if (!loaded.assessment || hasErrors(loaded.findings)) {
    const errors = loaded.findings.filter((f) => f.severity === 'error').map(formatFinding)
    throw new MergeError('E_MERGE_DECISIONS', `${dir}: the assessment cannot be read:\n${errors.join('\n')}`)
  }
  const { assessment } = loaded
  return stored.map((s) => {
    if (s.results.dut !== assessment.dut) {
      throw new MergeError('E_MERGE_DECISIONS', `${dir} assesses ${assessment.dut}, but ${s.dir} is a run of ${s.results.dut}`)
    }
    const { results, applied } = applyDecisions(s.results, assessment.decisions, loadEdition(s.results.standard))
    io.out(
      `${s.dir}: ${applied.length} decision${applied.length === 1 ? '' : 's'} applied from ${dir}${applied.length ? ` (${applied.map(resultName).join(', ')})` : ''}`,
    )
    return { ...s, results }
  })
}

/**
 * Renders the report of stored results again, or merges several runs of one DUT into one
 * assessment and renders that. The last line printed is the report's path.
 */
export async function report(args: readonly string[], options: ReportCommandOptions, io: Output): Promise<number> {
  try {
    io.out(await write(args, options, io))
    return REPORT_EXIT.written
  } catch (err) {
    // Every error ts701 raises on purpose here is about the runs given or the options.
    // The machine's faults (a locked or full --out) are not the runs': exit code 3, as for run.
    if (!(err instanceof Ts701Error) || err instanceof EnvironmentError) throw err
    io.err(`ts701: ${err.message}`)
    return REPORT_EXIT.badInput
  }
}
