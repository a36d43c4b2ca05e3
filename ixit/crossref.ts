/**
 * Checks that need more than one node or file: unique entry IDs, references between entries,
 * tables split over files. They read the raw values and only trust what they read: a check whose
 * input is incomplete (an entry without a usable ID, a file that did not parse) is skipped,
 * because its findings would be consequences of a problem already reported.
 */
import { isRecord } from './documents.ts'
import { finding, type Place } from './findings.ts'
import { toPointer } from './pointer.ts'
import type { SourceDoc } from './source.ts'
import { IXIT_TABLES, type Finding, type IxitTableId } from './types.ts'

export interface IdIndex {
  ids: Map<string, { table: IxitTableId; place: Place }>
  /** Every entry of every table had a string ID, so "not found" means really not there. */
  complete: boolean
}

interface OwnedTable {
  table: IxitTableId
  doc: SourceDoc
  entries: unknown
}

export function checkIxit(docs: readonly SourceDoc[], allParsed: boolean): { findings: Finding[]; index: IdIndex } {
  const findings: Finding[] = []
  const owners = new Map<IxitTableId, OwnedTable>()
  for (const doc of docs) {
    if (!isRecord(doc.value)) continue
    for (const [key, entries] of Object.entries(doc.value)) {
      if (!isTable(key)) continue
      const owner = owners.get(key)
      if (owner) {
        const first = owner.doc.locate([key], 'key')
        findings.push(
          finding(
            'error',
            'duplicate-table',
            doc.locate([key], 'key'),
            `table "${key}" is already given in ${where(first, doc.file)}; a table may appear in only one file`,
            toPointer([key]),
          ),
        )
        continue
      }
      owners.set(key, { table: key, doc, entries })
    }
  }

  const index: IdIndex = { ids: new Map(), complete: allParsed }
  for (const table of IXIT_TABLES) {
    const owned = owners.get(table)
    if (!owned) continue
    if (!Array.isArray(owned.entries)) {
      index.complete = false
      continue
    }
    owned.entries.forEach((entry: unknown, i) => {
      if (!isRecord(entry) || typeof entry.id !== 'string') {
        index.complete = false
        return
      }
      const place = owned.doc.locate([table, i, 'id'])
      const first = index.ids.get(entry.id)
      if (first) {
        findings.push(
          finding(
            'error',
            'duplicate-id',
            place,
            `duplicate ID "${entry.id}" (first used in ${first.table} at ${where(first.place, place.file)})`,
            toPointer([table, i, 'id']),
          ),
        )
      } else {
        index.ids.set(entry.id, { table, place })
      }
    })
  }

  const softComp = owners.get('6-SoftComp')
  if (index.complete && softComp && Array.isArray(softComp.entries)) {
    const mechanisms = [...index.ids].filter(([, v]) => v.table === '7-UpdMech').map(([id]) => id)
    softComp.entries.forEach((entry: unknown, i) => {
      if (!isRecord(entry) || !Array.isArray(entry.updateMechanisms)) return
      entry.updateMechanisms.forEach((ref: unknown, j) => {
        if (typeof ref !== 'string' || mechanisms.includes(ref)) return
        const path = ['6-SoftComp', i, 'updateMechanisms', j]
        const other = index.ids.get(ref)
        const message = other
          ? `"${ref}" is a ${other.table} entry, not a 7-UpdMech entry`
          : `no 7-UpdMech entry has the ID "${ref}" (${known('7-UpdMech IDs', mechanisms)})`
        findings.push(finding('error', 'dangling-reference', softComp.doc.locate(path), message, toPointer(path)))
      })
    })
  }
  return { findings, index }
}

export function checkDecisions(doc: SourceDoc, index: IdIndex | undefined): Finding[] {
  const findings: Finding[] = []
  if (!isRecord(doc.value) || !Array.isArray(doc.value.decisions)) return findings
  const seen = new Map<string, Place>()
  doc.value.decisions.forEach((decision: unknown, i) => {
    if (!isRecord(decision) || typeof decision.unit !== 'string') return
    const target = typeof decision.target === 'string' ? decision.target : undefined
    if (decision.target !== undefined && target === undefined) return

    const key = `${decision.unit}\u0000${target ?? ''}`
    const place = doc.locate(['decisions', i])
    const first = seen.get(key)
    const subject = target ? `unit ${decision.unit} on ${target}` : `unit ${decision.unit}`
    if (first) {
      findings.push(
        finding(
          'error',
          'duplicate-decision',
          place,
          `duplicate decision for ${subject} (first at ${where(first, doc.file)})`,
          toPointer(['decisions', i]),
        ),
      )
    } else {
      seen.set(key, place)
    }

    if (target !== undefined && index?.complete && !index.ids.has(target)) {
      const path = ['decisions', i, 'target']
      findings.push(
        finding(
          'error',
          'unknown-target',
          doc.locate(path),
          `no IXIT entry has the ID "${target}"${sameButCase(target, [...index.ids.keys()])}`,
          toPointer(path),
        ),
      )
    }
  })
  return findings
}

function isTable(key: string): key is IxitTableId {
  return (IXIT_TABLES as readonly string[]).includes(key)
}

/** A place relative to the file the reader is looking at. */
function where(place: Place, currentFile: string): string {
  return place.file === currentFile ? `line ${place.line}` : `${place.file}:${place.line}:${place.column}`
}

function known(label: string, ids: readonly string[]): string {
  if (ids.length === 0) return `there are no ${label.replace(/ IDs$/, '')} entries`
  return ids.length <= 8 ? `${label}: ${ids.join(', ')}` : `${label}: ${ids.slice(0, 8).join(', ')}, …`
}

/** IDs differ from each other by a digit by design, so only a case slip is worth a suggestion. */
function sameButCase(name: string, ids: readonly string[]): string {
  const match = ids.find((id) => id.toLowerCase() === name.toLowerCase())
  return match ? ` (did you mean "${match}"?)` : ''
}
