import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { environmentFault, writeFileAtomic } from '../core/atomic-file.ts'
import { UsageError } from '../core/errors.ts'
import { SCHEMA_FILES } from '../ixit/schemas.ts'
import { importDocuments } from '../proforma/import.ts'
import { renderImportReport, todo } from '../proforma/report.ts'
import { renderIcs, renderIxit } from '../proforma/write.ts'
import { EXIT } from './exit.ts'
import type { Output } from './output.ts'

export interface ImportCommandOptions {
  out: string
  standard: string
  force: boolean
  maxDocumentBytes?: number
}

export const REPORT_FILE = 'import-report.md'

/**
 * Reads the supplier's documents and writes ixit.yaml, ics.yaml (when an ICS table was found) and
 * the import report into `out`. Existing documents there are kept unless `force`: an import must
 * not overwrite the edits a supplier made after the last one.
 */
export async function importCommand(files: readonly string[], o: ImportCommandOptions, io: Output): Promise<number> {
  const imported = await importDocuments(files, {
    standard: o.standard,
    ...(o.maxDocumentBytes === undefined ? {} : { maxBytes: o.maxDocumentBytes }),
  })
  const targets = [join(o.out, 'ixit.yaml'), ...(imported.ics ? [join(o.out, 'ics.yaml')] : [])]
  const taken = targets.filter((t) => existsSync(t))
  if (taken.length && !o.force)
    throw new UsageError(`${taken.join(', ')} already exist${taken.length === 1 ? 's' : ''}; give --force to replace, or another --out`)

  const from = files.map((f) => basename(f)).join(', ')
  const schema = (kind: 'ixit' | 'ics'): string => relative(o.out, fileURLToPath(SCHEMA_FILES[kind])).split('\\').join('/')
  const header = (what: string): string[] => [
    `${what} imported by ts701 import from ${from}.`,
    'Facts with "suggested: true" were read from the prose: rules ignore them until you delete that line.',
  ]
  try {
    await mkdir(o.out, { recursive: true })
    await writeFileAtomic(targets[0]!, renderIxit({ $schema: schema('ixit'), ...imported.ixit }, header('IXIT')))
    if (imported.ics) await writeFileAtomic(targets[1]!, renderIcs({ $schema: schema('ics'), ...imported.ics }, header('ICS')))
    await writeFileAtomic(join(o.out, REPORT_FILE), renderImportReport(imported.report, [...targets.map((t) => basename(t)), REPORT_FILE]))
  } catch (err) {
    throw environmentFault(err, o.out) ?? err
  }

  const r = imported.report
  for (const t of r.tables) io.out(`${t.table}: ${t.entries.length} entr${t.entries.length === 1 ? 'y' : 'ies'} (${t.entries.join(', ')})`)
  if (r.ics) io.out(`ICS: ${r.ics.provisions} provision(s)`)
  for (const p of r.problems) io.err(`ts701: ${p}`)
  io.out(`${r.suggestions.length} suggested fact(s) to confirm; still to do:`)
  for (const t of todo(r)) io.out(`  - ${t}`)
  io.out(`written to ${o.out}: ${[...targets.map((t) => basename(t)), REPORT_FILE].join(', ')}`)
  return EXIT.ok
}
