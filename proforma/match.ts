/**
 * Names as suppliers write them, matched to the pro-forma's: case, punctuation, "&" for "and",
 * plurals, the table's number in front ("7-UpdMech", "IXIT 7"), numbering before a field
 * ("1. Description", "a) Configuration") and abbreviations ("UpdMech" for "Update Mechanism").
 */
import { ICS_TABLE, TABLES, type FieldSpec, type TableSpec } from './tables.ts'

/** A name reduced to what tells names apart: lower case words, singular, no numbering or punctuation. */
export function normalizeName(s: string): string {
  return s
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\(s\)/g, 's')
    .replace(/^\s*(?:ixit\s*)?\d+(?:\.\d+)*\s*(?:-\s*[a-z]+(?:-\d+)?)?\s*[.:)\-–]?\s+(?=\S)/, '')
    .replace(/^\s*[a-z][.)]\s+/, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w))
    .join(' ')
}

function namesOf(f: { title: string; aliases: readonly string[] }): string[] {
  return [f.title, ...f.aliases].map(normalizeName)
}

const fieldNames = new Map<FieldSpec, string[]>()
function normalizedNames(f: FieldSpec): string[] {
  let names = fieldNames.get(f)
  if (!names) fieldNames.set(f, (names = [...namesOf(f), normalizeName(f.key.replace(/[A-Z]/g, (c) => ` ${c}`))]))
  return names
}

/** The field a heading cell names, among `fields`. */
export function matchField(heading: string, fields: readonly FieldSpec[]): FieldSpec | undefined {
  const n = normalizeName(heading)
  if (n === '') return undefined
  return fields.find((f) => normalizedNames(f).includes(n))
}

/**
 * The table named by its IXIT number ("IXIT 7", "7-UpdMech") in a heading, caption or sheet name.
 * A bare "Table 7" is not taken: documents number their own tables.
 */
function byNumber(text: string): TableSpec | undefined {
  const m = /\bixit\s*[-:]?\s*(\d+)\b/i.exec(text) ?? /(?:^|\s)(\d+)\s*-\s*[A-Za-z]/.exec(text)
  const n = m ? Number(m[1]) : NaN
  return TABLES.find((t) => t.number === n)
}

/** The table named in words ("Update mechanisms", "UpdMech"); the longest matching name wins. */
function byName(text: string): TableSpec | undefined {
  const n = ` ${normalizeName(text)} `
  let best: { spec: TableSpec; length: number } | undefined
  for (const spec of TABLES) {
    for (const name of [...namesOf(spec), normalizeName(spec.prefix)]) {
      if (name !== '' && n.includes(` ${name} `) && (!best || name.length > best.length)) best = { spec, length: name.length }
    }
  }
  return best?.spec
}

/** The IXIT table a heading, caption, sheet or file name stands for. */
export function matchTable(text: string): TableSpec | undefined {
  if (/\bics\b|conformance statement/i.test(text)) return undefined
  return byNumber(text) ?? byName(text) ?? byIdPrefix(text)
}

/** The table an entry ID belongs to by its prefix ("UpdMech-Network", "7-UpdMech-1"). */
export function byIdPrefix(text: string): TableSpec | undefined {
  const id = normalizeEntryId(text)
  return TABLES.find((t) => id.toLowerCase().startsWith(`${t.prefix.toLowerCase()}-`))
}

/** Whether a heading, caption or sheet name speaks of the ICS. */
export function namesIcs(text: string): boolean {
  const n = ` ${normalizeName(text)} `
  return namesOf(ICS_TABLE).some((name) => n.includes(` ${name} `))
}

/**
 * An entry ID as ts701 writes it: the table number the pro-forma puts in front dropped
 * ("7-UpdMech-1" is UpdMech-1), blanks joined with '-', and characters an ID cannot hold removed.
 */
export function normalizeEntryId(text: string): string {
  return text
    .trim()
    .replace(/^ixit\s*/i, '')
    .replace(/^\d+\s*-\s*(?=[A-Za-z])/, '')
    .replace(/\s*-\s*/g, '-')
    .replace(/\s+/g, '-')
    .replace(/[^A-Za-z0-9._-]/g, '')
    .replace(/^[._-]+/, '')
}

/** Whether a heading reads like an entry ID of `spec` ("UpdMech-Network", "7-UpdMech-1") rather than like a title. */
export function looksLikeEntryId(text: string, spec: TableSpec): boolean {
  const t = text
    .trim()
    .replace(/^ixit\s*/i, '')
    .replace(/\s*-\s*/g, '-')
  return t !== '' && t.length <= 80 && !/\s/.test(t) && byIdPrefix(t)?.id === spec.id
}

/** A provision ID as the ICS writes it ("5.3-1", "Provision 5.3-4A", "5.3 - 13"), or undefined. */
export function provisionId(text: string): string | undefined {
  const m = /\b5\.3\s*-\s*(\d+)\s*([AB])?\b/i.exec(text)
  return m ? `5.3-${m[1]}${(m[2] ?? '').toUpperCase()}` : undefined
}

/** An ICS support answer in the forms suppliers write it. */
export function supportAnswer(text: string): 'Y' | 'N' | 'N/A' | undefined {
  const n = text
    .trim()
    .toLowerCase()
    .replace(/[\s.]+/g, '')
  if (/^(y|yes|supported|x|✓|✔)$/.test(n)) return 'Y'
  if (/^(n|no|notsupported)$/.test(n)) return 'N'
  if (/^(n\/a|na|notapplicable|-|–)$/.test(n)) return 'N/A'
  return undefined
}
