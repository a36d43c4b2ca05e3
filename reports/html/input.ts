import { readFile } from 'node:fs/promises'
import type { RecordedEntry } from '../../core/evidence.ts'
import type { RunResults } from '../../core/verdict.ts'

/** Where a run keeps its evidence log, relative to its folder. */
export const EVIDENCE_LOG = 'evidence/exchanges.jsonl'

/**
 * What the HTML report is drawn from: the result model and the evidence entries its units cite,
 * keyed as the units cite them (`E000042` in a run; `<run label>/E000042` in a merged assessment).
 */
export interface ReportInput {
  results: RunResults
  evidence: ReadonlyMap<string, RecordedEntry>
}

/**
 * The evidence log of a run, keyed by entry ID (with `prefix` before it). A log cut short (an
 * interrupted run's last line) keeps every whole entry; a missing log is an empty one.
 */
export async function loadEvidence(file: string, prefix = ''): Promise<Map<string, RecordedEntry>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw err
  }
  const entries = new Map<string, RecordedEntry>()
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const entry = JSON.parse(line) as RecordedEntry
      if (typeof entry.id === 'string') entries.set(`${prefix}${entry.id}`, entry)
    } catch {
      // A torn last line of an interrupted run: the entries before it stand.
    }
  }
  return entries
}
