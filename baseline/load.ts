/**
 * Reads a baseline and checks it against the edition the run assesses against, before the run
 * starts: a rig's run takes minutes, and a baseline that cannot be used must not cost them. Every
 * problem becomes a finding with its place; the first one is what the user reads.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { AnySchemaObject, ValidateFunction } from 'ajv'
import { listEditions, loadEdition } from '../catalog/editions.ts'
import { finding, formatFinding } from '../ixit/findings.ts'
import { closest } from '../ixit/schema-errors.ts'
import { createAjv, validateWith } from '../ixit/schemas.ts'
import { readSource, type SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import { BaselineError, type BaselineErrorCode } from './errors.ts'
import { PLACEHOLDER_TICKET, type Baseline, type BaselineEntry } from './types.ts'

export const BASELINE_SCHEMA = new URL('./baseline.schema.json', import.meta.url)

/** The document as its schema admits it. */
interface BaselineDocument {
  $schema?: string
  standard: string
  units: BaselineEntry[]
}

let validator: ValidateFunction<BaselineDocument> | undefined

function validate(): ValidateFunction<BaselineDocument> {
  validator ??= createAjv().compile<BaselineDocument>(JSON.parse(readFileSync(BASELINE_SCHEMA, 'utf8')) as AnySchemaObject)
  return validator
}

interface Problem {
  code: BaselineErrorCode
  finding: Finding
}

export interface LoadBaselineOptions {
  /** Refuse a file larger than this (TS701_MAX_DOCUMENT_BYTES), as for the assessment documents. */
  maxDocumentBytes?: number
}

/** The baseline in `file`, checked against edition `standard`; a `BaselineError` naming the first problem otherwise. */
export async function loadBaseline(file: string, standard: string, options: LoadBaselineOptions = {}): Promise<Baseline> {
  const parsed = await readSource(file, options.maxDocumentBytes === undefined ? {} : { maxBytes: options.maxDocumentBytes })
  const unreadable = parsed.findings.filter((f) => f.severity === 'error')
  if (unreadable.length > 0 || !parsed.doc) {
    const syntax = new Set(['yaml-syntax', 'duplicate-key'])
    throw failure(unreadable.map((f) => ({ code: syntax.has(f.code) ? 'E_BASELINE_SYNTAX' : 'E_BASELINE_READ', finding: f })))
  }
  const doc = parsed.doc
  const checked = validateWith(validate(), doc)
  if (!checked.data) throw failure(checked.findings.map((f) => ({ code: 'E_BASELINE_SCHEMA', finding: f })))
  const data = checked.data
  const problems = [...editionProblems(data, standard, doc), ...entryProblems(data, standard, doc)]
  if (problems.length > 0) throw failure(problems)
  const sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
  return { file, sha256, standard: data.standard, entries: data.units.map(entryOf) }
}

/** Only the fields an entry has: a key with `undefined` would read as "given" to the matcher. */
function entryOf(e: BaselineEntry): BaselineEntry {
  return {
    unit: e.unit,
    ...(e.target !== undefined && { target: e.target }),
    ...(e.variant !== undefined && { variant: e.variant }),
    expected: e.expected,
    ticket: e.ticket.trim(),
    reason: e.reason,
  }
}

function editionProblems(data: BaselineDocument, standard: string, doc: SourceDoc): Problem[] {
  if (data.standard === standard) return []
  const known = listEditions()
  const what = known.includes(data.standard)
    ? `the baseline is for ${data.standard}, but this run assesses against ${standard} (--standard); unit IDs differ between editions`
    : `unknown edition "${data.standard}" (known: ${known.join(', ')})`
  return [{ code: 'E_BASELINE_EDITION', finding: finding('error', 'baseline-edition', doc.locate(['standard']), what, '/standard') }]
}

function entryProblems(data: BaselineDocument, standard: string, doc: SourceDoc): Problem[] {
  // Against an edition the baseline is not for, every unit would be reported as unknown.
  if (data.standard !== standard) return []
  const units = loadEdition(standard).groups.flatMap((g) => g.cases.flatMap((c) => c.units.map((u) => u.id)))
  const known = new Set(units)
  const problems: Problem[] = []
  const seen = new Map<string, number>()
  const add = (code: BaselineErrorCode, path: (string | number)[], message: string) => {
    const pointer = `/${path.join('/')}`
    problems.push({ code, finding: finding('error', code.toLowerCase().replaceAll('_', '-'), doc.locate(path), message, pointer) })
  }
  for (const [i, e] of data.units.entries()) {
    if (!known.has(e.unit)) {
      const guess = closest(e.unit, units)
      add('E_BASELINE_UNIT', ['units', i, 'unit'], `${e.unit} is not a unit of ${standard}${guess ? ` (did you mean ${guess}?)` : ''}`)
    }
    if (e.ticket.trim() === '') {
      add('E_BASELINE_TICKET', ['units', i, 'ticket'], `the ticket of ${e.unit} is blank: name the ticket that tracks this failure`)
    } else if (e.ticket.trim() === PLACEHOLDER_TICKET) {
      add(
        'E_BASELINE_TICKET',
        ['units', i, 'ticket'],
        `the ticket of ${e.unit} is still the placeholder ${PLACEHOLDER_TICKET} that ts701 baseline writes without --ticket: fill in the ticket that tracks this failure`,
      )
    }
    if (e.reason.trim() === '')
      add('E_BASELINE_SCHEMA', ['units', i, 'reason'], `the reason of ${e.unit} is blank: say why the failure is accepted`)
    const key = JSON.stringify([e.unit, e.target ?? null, e.variant ?? null])
    const first = seen.get(key)
    if (first === undefined) seen.set(key, i)
    else add('E_BASELINE_DUPLICATE', ['units', i], `${describeEntry(e)} is listed twice (also /units/${first}): keep one entry`)
  }
  return problems
}

/** `5.3-7-1c [UpdMech-Network] payload-byte`, as results name units. */
export function describeEntry(e: { unit: string; target?: string; variant?: string }): string {
  return `${e.unit}${e.target === undefined ? '' : ` [${e.target}]`}${e.variant === undefined ? '' : ` ${e.variant}`}`
}

/** The first problem in the file's order, in one line, with how many more there are. */
function failure(problems: readonly Problem[]): BaselineError {
  const sorted = [...problems].sort((a, b) => a.finding.line - b.finding.line || a.finding.column - b.finding.column)
  const first = sorted[0]
  if (!first) return new BaselineError('E_BASELINE_READ', 'the baseline cannot be read')
  const more = sorted.length - 1
  const tail = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'} in the baseline)` : ''
  return new BaselineError(first.code, `${formatFinding(first.finding)}${tail}`)
}
