import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { environmentFault, writeFileAtomic } from '../core/atomic-file.ts'
import { UsageError } from '../core/errors.ts'
import { discoverDocuments } from '../ixit/discover.ts'
import { isRecord, type IcsDocument, type IxitDocument } from '../ixit/documents.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import { loadAssessment } from '../ixit/load.ts'
import { readSource } from '../ixit/source.ts'
import { IXIT_TABLES } from '../ixit/types.ts'
import { exportDocuments, type ExportFormat } from '../proforma/export/index.ts'
import { EXIT } from './exit.ts'
import type { Output } from './output.ts'

export interface ExportCommandOptions {
  format: ExportFormat
  out?: string
  force: boolean
  maxDocumentBytes?: number
}

/**
 * Writes the assessment's ICS and IXIT as pro-forma tables. The documents are exported as
 * written (suggested facts and notes included), not as the rules see them, so an import of the
 * result gives the same files back.
 */
export async function exportCommand(dir: string, o: ExportCommandOptions, io: Output): Promise<number> {
  const limits = o.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: o.maxDocumentBytes }
  const loaded = await loadAssessment(dir, limits)
  if (!loaded.assessment || hasErrors(loaded.findings)) throw new InvalidAssessmentError(loaded.findings)
  const files = (await discoverDocuments(dir)).files
  const written = async (file: string): Promise<Record<string, unknown>> => {
    const { doc } = await readSource(file, { maxBytes: o.maxDocumentBytes })
    return isRecord(doc?.value) ? doc.value : {}
  }
  const ixit: Record<string, unknown> = {}
  for (const file of files?.ixit ?? []) {
    const value = await written(file)
    for (const table of IXIT_TABLES) {
      const entries = value[table]
      if (Array.isArray(entries)) ixit[table] = [...((ixit[table] as unknown[] | undefined) ?? []), ...entries]
    }
  }
  const { $schema: _drop, ...ics } = files?.ics ? await written(files.ics) : {}
  const out = o.out ?? join(dir, `proforma.${o.format}`)
  if (existsSync(out) && !o.force) throw new UsageError(`${out} already exists; give --force to replace it, or another --out`)
  const bytes = await exportDocuments(
    { ...(files?.ics ? { ics: ics as unknown as IcsDocument } : {}), ixit: ixit as IxitDocument },
    o.format,
    { title: `${loaded.assessment.dut}: ICS and IXIT` },
  )
  try {
    await writeFileAtomic(out, bytes)
  } catch (err) {
    throw environmentFault(err, out) ?? err
  }
  io.out(`${out}: ICS and ${Object.keys(ixit).length} IXIT table(s) as ${o.format}; edit it and bring it back with ts701 import`)
  return EXIT.ok
}
