/**
 * The assessment's decisions document, read and extended in place. Assessors write and review
 * this file by hand, so a new decision is spliced in after the last one: every byte already there
 * (comments, folding, key order, blank lines) stays as the assessor left it.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { Document, LineCounter, Scalar, isMap, isScalar, isSeq, parseDocument, stringify, type Node } from 'yaml'
import { checkDecisions } from '../ixit/crossref.ts'
import { discoverDocuments } from '../ixit/discover.ts'
import type { DecisionsDocument } from '../ixit/documents.ts'
import { formatFinding, hasErrors } from '../ixit/findings.ts'
import { SCHEMA_FILES, validateDocument } from '../ixit/schemas.ts'
import { parseSource } from '../ixit/source.ts'
import { DecideError } from './errors.ts'

/** What identifies a decision: a run applies it to the unit, on the target for per-entry units. */
export interface DecisionKey {
  unit: string
  target?: string
}

/** One assessor verdict, as the decisions schema has it. */
export interface NewDecision extends DecisionKey {
  verdict: 'PASS' | 'FAIL'
  rationale: string
  assessor: string
  /** YYYY-MM-DD. */
  date: string
}

export interface DecisionsFile {
  /** The existing decisions document (YAML or JSON), or `decisions.yaml` to be created. */
  path: string
  decided: DecisionKey[]
}

/** A rationale longer than this is written folded over several lines, as the example does. */
const FOLD_OVER = 60
const LINE_WIDTH = 100

/** Finds the decisions document of an assessment folder and what it already decides. */
export async function readDecisionsFile(dir: string): Promise<DecisionsFile> {
  const { files, findings } = await discoverDocuments(dir)
  if (!files) throw new DecideError('E_DECIDE_FOLDER', findings.map((f) => `${dir}: ${f.message}`).join('\n'))
  const path = files.decisions ?? join(dir, 'decisions.yaml')
  const text = await readText(path)
  const decided = text === undefined ? [] : checked(path, text).decisions.map(keyOf)
  return { path, decided }
}

/**
 * Adds one decision to the file, creating it when the assessment has none yet. The file is read
 * again first (the assessor may have edited it meanwhile) and replaced in one rename, so an
 * interrupted session leaves either the old file or the new one, never half of it.
 */
export async function appendDecision(path: string, decision: NewDecision): Promise<void> {
  const before = (await readText(path)) ?? newFileText(path)
  const current = checked(path, before)
  const after = /\.json$/i.test(path) ? appendJson(current, decision) : appendYaml(before, decision)
  const written = checked(path, after, decision).decisions
  // The splice must add exactly this decision and leave every earlier one as it was.
  if (!isDeepStrictEqual(written, [...current.decisions, plain(decision)])) {
    throw new DecideError(
      'E_DECIDE_DECISIONS',
      `${path}: the decision for ${describe(decision)} could not be added without changing others`,
    )
  }
  const temp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(temp, after)
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw new DecideError('E_DECIDE_DECISIONS', `cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** Parses and validates decisions text as a run would load it; `adding` names what made it wrong. */
function checked(path: string, text: string, adding?: NewDecision): DecisionsDocument {
  const parsed = parseSource(path, text)
  const findings = parsed.findings
  let data: DecisionsDocument | undefined
  if (parsed.doc) {
    const valid = validateDocument('decisions', parsed.doc)
    findings.push(...valid.findings, ...checkDecisions(parsed.doc, undefined))
    data = valid.data
  }
  if (!data || hasErrors(findings)) {
    const problems = findings.filter((f) => f.severity === 'error').map(formatFinding)
    const head = adding ? `the decision for ${describe(adding)} would make ${path} invalid:` : `${path} is not a valid decisions document:`
    throw new DecideError('E_DECIDE_DECISIONS', [head, ...problems].join('\n'))
  }
  return data
}

function appendYaml(text: string, decision: NewDecision): string {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { version: '1.2', lineCounter })
  const seq = doc.getIn(['decisions'], true)
  const entry = entryNode(doc, decision)
  const last = isSeq(seq) && !seq.flow ? (seq.items.at(-1) as Node | undefined) : undefined
  if (isSeq(seq) && last?.range && seq.range) {
    const column = lineCounter.linePos(seq.range[0]).col - 1
    const at = last.range[2]
    const lines = new Document([entry])
      .toString({ lineWidth: LINE_WIDTH - column })
      .trimEnd()
      .split('\n')
    // A file saved with Windows line ends keeps them.
    const eol = text.includes('\r\n') ? '\r\n' : '\n'
    const block = lines.map((l) => (l === '' ? l : ' '.repeat(column) + l)).join(eol)
    const gap = at > 0 && text[at - 1] !== '\n' ? eol : ''
    return `${text.slice(0, at)}${gap}${block}${eol}${text.slice(at)}`
  }
  // An empty or flow-style list has no block layout to keep: the document is written anew.
  if (isSeq(seq) && seq.items.length === 0) seq.flow = false
  doc.addIn(['decisions'], entry)
  return doc.toString({ lineWidth: LINE_WIDTH })
}

/** JSON holds no comments or layout to keep; two-space indentation is what editors write. */
function appendJson(current: DecisionsDocument, decision: NewDecision): string {
  return `${JSON.stringify({ ...current, decisions: [...current.decisions, plain(decision)] }, null, 2)}\n`
}

function entryNode(doc: Document, decision: NewDecision): Node {
  const node = doc.createNode(plain(decision))
  const rationale = isMap(node) ? node.get('rationale', true) : undefined
  if (isScalar(rationale) && decision.rationale.length > FOLD_OVER) rationale.type = Scalar.BLOCK_FOLDED
  return node
}

/** The decision's fields in the order the example and the schema list them. */
function plain(d: NewDecision): DecisionsDocument['decisions'][number] {
  return {
    unit: d.unit,
    ...(d.target !== undefined && { target: d.target }),
    verdict: d.verdict,
    rationale: d.rationale,
    assessor: d.assessor,
    date: d.date,
  }
}

/** A new file points editors at the schema, as the example assessment does. */
function newFileText(path: string): string {
  const schema = relative(dirname(path), fileURLToPath(SCHEMA_FILES.decisions)).split(sep).join('/')
  if (/\.json$/i.test(path)) return `${JSON.stringify({ $schema: schema, decisions: [] }, null, 2)}\n`
  return [
    `# yaml-language-server: $schema=${schema}`,
    '#',
    '# Assessor decisions on the units ts701 cannot decide by itself. `ts701 decide` adds to this file',
    '# and a run applies what it holds; it may as well be edited by hand.',
    `$schema: ${stringify(schema).trimEnd()}`,
    'decisions: []',
    '',
  ].join('\n')
}

function keyOf(d: DecisionKey): DecisionKey {
  return d.target === undefined ? { unit: d.unit } : { unit: d.unit, target: d.target }
}

function describe(d: DecisionKey): string {
  return d.target === undefined ? d.unit : `${d.unit} [${d.target}]`
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DecideError('E_DECIDE_DECISIONS', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
}
