/**
 * results.json: the whole result tree, for tools that need more than JUnit can say. Objects are
 * rebuilt field by field so the file has a stable key order and carries nothing the caller
 * happened to attach to the result objects at runtime.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { CaseResult, GroupResult, RunResults, UnitResult } from '../core/verdict.ts'

export async function writeResultsJson(results: RunResults, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(toJson(results), null, 2)}\n`, 'utf8')
}

function toJson(results: RunResults): RunResults {
  return {
    standard: results.standard,
    standardTitle: results.standardTitle,
    dut: results.dut,
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    conceptualOnly: results.conceptualOnly,
    groups: results.groups.map(groupJson),
  }
}

function groupJson(group: GroupResult): GroupResult {
  return {
    id: group.id,
    provision: group.provision,
    status: group.status,
    title: group.title,
    verdict: group.verdict,
    ...(group.reason !== undefined && { reason: group.reason }),
    cases: group.cases.map(caseJson),
  }
}

function caseJson(testCase: CaseResult): CaseResult {
  return { id: testCase.id, kind: testCase.kind, verdict: testCase.verdict, units: testCase.units.map(unitJson) }
}

function unitJson(unit: UnitResult): UnitResult {
  // Optional fields are left out rather than written as null, so reading the file back yields
  // the same RunResults the harness produced.
  return {
    id: unit.id,
    ...(unit.target !== undefined && { target: unit.target }),
    ...(unit.variant !== undefined && { variant: unit.variant }),
    ...(unit.origin !== undefined && { origin: unit.origin }),
    verdict: unit.verdict,
    reason: unit.reason,
    source: unit.source,
    reads: [...unit.reads],
    ...(unit.assessor !== undefined && { assessor: { name: unit.assessor.name, date: unit.assessor.date } }),
    ...(unit.evidence !== undefined && { evidence: [...unit.evidence] }),
  }
}
