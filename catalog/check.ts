import type { Assessment, Finding, SourceRef } from '../ixit/types.ts'
import { listEditions, loadEdition } from './editions.ts'
import type { Edition, UnitDef } from './types.ts'

const at = (source: SourceRef, severity: Finding['severity'], code: string, message: string): Finding => ({
  severity,
  code,
  ...source,
  message,
})

function unitsOf(edition: Edition): Map<string, UnitDef> {
  return new Map(edition.groups.flatMap((g) => g.cases.flatMap((c) => c.units.map((u) => [u.id, u] as const))))
}

/** Provisions and units of every known edition: an ICS or decisions file may serve several. */
function everyEdition(): { provisions: Set<string>; units: Set<string> } {
  const editions = listEditions().map((id) => loadEdition(id))
  return {
    provisions: new Set(editions.flatMap((e) => e.groups.map((g) => g.id))),
    units: new Set(editions.flatMap((e) => [...unitsOf(e).keys()])),
  }
}

/** Checks the documents against the catalog of one edition: coverage, statuses, unit IDs. */
export function checkAgainstCatalog(edition: Edition, a: Assessment): Finding[] {
  const findings: Finding[] = []
  const known = everyEdition()
  const icsFile: SourceRef = { file: a.ics.file, line: 1, column: 1 }

  for (const group of edition.groups) {
    const entry = a.ics.provisions[group.id]
    if (!entry) {
      findings.push(at(icsFile, 'error', 'ics-missing-provision', `ICS has no entry for ${group.id}, a provision of ${edition.title}`))
      continue
    }
    const compact = (status: string) => status.replace(/\s+/g, '')
    const printed = [group.status, ...(group.printedAs ?? [])].map(compact)
    if (entry.status !== undefined && !printed.includes(compact(entry.status))) {
      findings.push(
        at(
          entry.source,
          'warning',
          'ics-status',
          `ICS gives ${group.id} the status "${entry.status}"; ${edition.title} says "${group.status}" (the catalog's is used)`,
        ),
      )
    }
    if (entry.support === 'N/A' && group.requires.length === 0) {
      findings.push(
        at(
          entry.source,
          'error',
          'ics-na-unconditional',
          `ICS declares ${group.id} not applicable, but it is unconditional (${group.status}); N/A is only for conditional provisions`,
        ),
      )
    }
  }
  for (const entry of Object.values(a.ics.provisions)) {
    if (!known.provisions.has(entry.provision)) {
      findings.push(
        at(
          entry.source,
          'error',
          'ics-unknown-provision',
          `ICS names ${entry.provision}, which is not a clause 5.3 provision of any known edition`,
        ),
      )
    }
  }

  const units = unitsOf(edition)
  for (const d of a.decisions) {
    if (!known.units.has(d.unit)) {
      findings.push(at(d.source, 'error', 'decision-unknown-unit', `decision for ${d.unit}, which is not a test unit of any known edition`))
      continue
    }
    const unit = units.get(d.unit)
    if (unit?.forEach && d.target === undefined) {
      findings.push(
        at(
          d.source,
          'error',
          'decision-needs-target',
          `${d.unit} is evaluated once per ${unit.forEach.table} entry: the decision must name its target`,
        ),
      )
    }
    if (unit && !unit.forEach && d.target !== undefined) {
      findings.push(
        at(
          d.source,
          'warning',
          'decision-extra-target',
          `${d.unit} is evaluated once for the whole assessment: target ${d.target} is ignored`,
        ),
      )
    }
  }
  return findings
}
