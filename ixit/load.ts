/**
 * Loads an assessment folder into one typed Assessment, or explains in findings why it cannot.
 * Every problem found is reported in one go (syntax, schema, cross-references), so a supplier
 * fixes the documents in one round instead of one error per run.
 */
import { buildAssessment, type ValidDocument } from './build.ts'
import { checkDecisions, checkIxit } from './crossref.ts'
import { discoverDocuments } from './discover.ts'
import type { DocumentKind, DocumentKinds } from './documents.ts'
import { dedupeFindings, finding, hasErrors, sortFindings } from './findings.ts'
import { readSchema, validateDocument } from './schemas.ts'
import { notADocument } from './shape.ts'
import { readSource, type SourceDoc } from './source.ts'
import { setAsideSuggestions } from './suggested.ts'
import type { Assessment, Finding } from './types.ts'

export interface LoadResult {
  /** Present iff there is no error-level finding. */
  assessment?: Assessment
  findings: Finding[]
}

export interface LoadOptions {
  /** Refuse a document larger than this many bytes (default DEFAULT_MAX_DOCUMENT_BYTES). */
  maxDocumentBytes?: number
}

export async function loadAssessment(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  try {
    return await load(dir, options)
  } catch (err) {
    // A loader bug must still reach the user as a finding, not as a stack trace from the CLI.
    const message = err instanceof Error ? err.message : String(err)
    return { findings: [finding('error', 'internal-error', { file: dir, line: 1, column: 1 }, `cannot load assessment: ${message}`)] }
  }
}

interface Loaded<T> {
  /** Present when the file parsed. */
  doc?: SourceDoc
  /** Present when the file is also schema-valid. */
  valid?: ValidDocument<T>
}

const WHAT: Record<DocumentKind, string> = { ics: 'an ICS document', ixit: 'an IXIT document', decisions: 'a decisions document' }
const topLevel = new Map<DocumentKind, string[]>()
function topLevelOf(kind: DocumentKind): string[] {
  let keys = topLevel.get(kind)
  if (!keys) topLevel.set(kind, (keys = Object.keys((readSchema(kind).properties as object | undefined) ?? {})))
  return keys
}

async function load(dir: string, options: LoadOptions): Promise<LoadResult> {
  const discovery = await discoverDocuments(dir)
  const findings = [...discovery.findings]
  const files = discovery.files
  if (!files) return { findings }

  const read = async <K extends DocumentKind>(kind: K, file: string): Promise<Loaded<DocumentKinds[K]>> => {
    const parsed = await readSource(file, { maxBytes: options.maxDocumentBytes })
    findings.push(...parsed.findings)
    if (!parsed.doc) return {}
    // Not a document at all: said once; its content is neither schema-checked nor cross-checked.
    const foreign = notADocument(parsed.doc, WHAT[kind], topLevelOf(kind))
    if (foreign) {
      findings.push(foreign)
      return {}
    }
    const judged = kind === 'ixit' ? setAsideSuggestions(parsed.doc) : { doc: parsed.doc, findings: [] }
    findings.push(...judged.findings)
    const { data, findings: schemaFindings } = validateDocument(kind, judged.doc)
    findings.push(...schemaFindings)
    return { doc: judged.doc, valid: data === undefined ? undefined : { doc: judged.doc, data } }
  }

  const ics = files.ics ? await read('ics', files.ics) : undefined
  const ixit = await Promise.all(files.ixit.map((f) => read('ixit', f)))
  const decisions = files.decisions ? await read('decisions', files.decisions) : undefined

  const ixitDocs = ixit.flatMap((l) => (l.doc ? [l.doc] : []))
  const allParsed = ixit.length > 0 && ixitDocs.length === ixit.length
  const crossref = checkIxit(ixitDocs, allParsed)
  findings.push(...crossref.findings)
  if (decisions?.doc) findings.push(...checkDecisions(decisions.doc, crossref.index))

  const sorted = sortFindings(dedupeFindings(findings))
  if (hasErrors(sorted) || !ics?.valid) return { findings: sorted }
  const validIxit = ixit.flatMap((l) => (l.valid ? [l.valid] : []))
  if (validIxit.length !== ixit.length || (decisions && !decisions.valid)) return { findings: sorted }
  const assessment = buildAssessment({ dir, ics: ics.valid, ixit: validIxit, decisions: decisions?.valid })
  return { assessment, findings: sorted }
}
