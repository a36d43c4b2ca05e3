/**
 * The run journal: every unit's result is appended, and flushed to the disk, the moment the unit
 * is decided. A run that is killed, loses power or is stopped twice leaves this file behind, and
 * `ts701 report` rebuilds the reports of the units decided so far from it.
 */
import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import type { Plan, PlannedUnit } from '../catalog/plan.ts'
import type { Edition } from '../catalog/types.ts'
import type { BaselineIdentity } from '../core/dut.ts'
import { environmentFault } from '../core/atomic-file.ts'
import { Ts701Error } from '../core/errors.ts'
import type { RunResults, UnitResult } from '../core/verdict.ts'
import { unitResult } from './evaluate.ts'
import { composeGroups, unitName } from './results.ts'

export const JOURNAL = 'journal.jsonl'

/** The plan's shape, by IDs: enough to rebuild it from the edition when the run is gone. */
interface PlanShape {
  groups: Array<{
    id: string
    applicable: boolean
    reason: string
    cases: Array<{ id: string; notRun?: string[]; units: Array<{ id: string; target?: string; variant?: string }> }>
  }>
}

/** The first line: the run as it would be reported if no unit were decided. */
interface JournalHeader {
  journal: 1
  plan: PlanShape
  results: Omit<RunResults, 'groups'>
}

interface JournalUnit {
  unit: string
  result: UnitResult
  observedDut?: BaselineIdentity
}

export class JournalError extends Ts701Error {
  constructor(message: string) {
    super('E_JOURNAL', message)
  }
}

/** What a unit that was never decided reports. */
export function undecided(p: PlannedUnit, why: string): UnitResult {
  return unitResult(p, { verdict: 'INCONCLUSIVE', reason: `no verdict: ${why}`, source: 'harness' })
}

function shapeOf(plan: Plan): PlanShape {
  return {
    groups: plan.groups.map((g) => ({
      id: g.def.id,
      applicable: g.applicability.applicable,
      reason: g.applicability.reason,
      cases: g.cases.map((c) => ({
        id: c.def.id,
        ...(c.notRun && { notRun: c.notRun }),
        units: c.units.map((u) => ({
          id: u.unit.id,
          ...(u.target !== undefined && { target: u.target }),
          ...(u.variant !== undefined && { variant: u.variant }),
        })),
      })),
    })),
  }
}

/** Appends a line and flushes it to the disk: what the journal holds survives a crash. */
export class RunJournal {
  /**
   * The first write that failed (a full disk). Writing stops there, since a journal with a gap
   * would rebuild wrong reports, and the run reports it once its suites are done rather than
   * from inside the reporter that decided the unit.
   */
  private failure: Error | undefined

  private constructor(
    private readonly fd: number,
    private readonly file: string,
  ) {}

  static create(file: string, plan: Plan, results: Omit<RunResults, 'groups'>): RunJournal {
    let fd: number
    try {
      fd = openSync(file, 'w')
    } catch (err) {
      throw environmentFault(err, file) ?? err
    }
    const journal = new RunJournal(fd, file)
    journal.write({ journal: 1, plan: shapeOf(plan), results } satisfies JournalHeader)
    try {
      journal.check()
    } catch (err) {
      journal.close()
      throw err
    }
    return journal
  }

  /** Throws what made a write fail, if one did: an `EnvironmentError` for the machine's faults. */
  check(): void {
    if (this.failure) throw this.failure
  }

  unit(name: string, result: UnitResult, observedDut?: BaselineIdentity): void {
    this.write({ unit: name, result, ...(observedDut && { observedDut }) } satisfies JournalUnit)
  }

  close(): void {
    closeSync(this.fd)
  }

  private write(line: object): void {
    if (this.failure) return
    try {
      const data = Buffer.from(`${JSON.stringify(line)}\n`, 'utf8')
      // A disk that fills mid-line takes part of it and says so only by the count.
      if (writeSync(this.fd, data) < data.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' })
      fsyncSync(this.fd)
    } catch (err) {
      this.failure = environmentFault(err, this.file) ?? (err as Error)
    }
  }
}

/** The plan of a journal's header, rebuilt from the edition it names. */
function planFrom(shape: PlanShape, edition: Edition, file: string): Plan {
  const groups = shape.groups.map((g) => {
    const gdef = edition.groups.find((d) => d.id === g.id)
    if (!gdef) throw new JournalError(`${file}: group ${g.id} is not in ${edition.title}`)
    const cases = g.cases.map((c) => {
      const cdef = gdef.cases.find((d) => d.id === c.id)
      if (!cdef) throw new JournalError(`${file}: case ${c.id} is not in ${edition.title}`)
      const units = c.units.map((u): PlannedUnit => {
        const unit = cdef.units.find((d) => d.id === u.id)
        if (!unit) throw new JournalError(`${file}: unit ${u.id} is not in ${edition.title}`)
        return {
          groupId: g.id,
          caseId: c.id,
          unit,
          ...(u.target !== undefined && { target: u.target }),
          ...(u.variant !== undefined && { variant: u.variant }),
        }
      })
      return { def: cdef, units, ...(c.notRun && { notRun: c.notRun }) }
    })
    return { def: gdef, applicability: { applicable: g.applicable, reason: g.reason, conditions: [] }, cases }
  })
  return { edition, groups, findings: [] }
}

/** Reads a journal's header, or says why the file is not one. */
export function journalHeader(content: string, file: string): JournalHeader {
  const first = content.split('\n', 1)[0] ?? ''
  let header: unknown
  try {
    header = JSON.parse(first)
  } catch {
    throw new JournalError(`${file}: not a run journal (its first line is not JSON)`)
  }
  if (typeof header !== 'object' || header === null || (header as { journal?: unknown }).journal !== 1) {
    throw new JournalError(`${file}: not a run journal of this ts701 version`)
  }
  return header as JournalHeader
}

/**
 * The run's results from its journal: every unit the journal holds as it was decided, the others
 * INCONCLUSIVE, cases and groups folded as the run folds them. A last line cut short by the crash
 * is left out.
 */
export function resultsFromJournal(file: string, loadEdition: (id: string) => Edition): RunResults {
  const content = readFileSync(file, 'utf8')
  const endedAt = statSync(file).mtime.toISOString()
  const header = journalHeader(content, file)
  const decided = new Map<string, UnitResult>()
  let observedDut = header.results.observedDut
  for (const line of content.split('\n').slice(1)) {
    if (!line.trim()) continue
    let entry: JournalUnit
    try {
      entry = JSON.parse(line) as JournalUnit
    } catch {
      continue
    }
    decided.set(entry.unit, entry.result)
    observedDut ??= entry.observedDut
  }
  const plan = planFrom(header.plan, loadEdition(header.results.standard), file)
  const why = 'the run ended before this unit was decided (rebuilt from the run journal)'
  return {
    ...header.results,
    finishedAt: endedAt,
    interrupted: { signal: 'unknown (the run left only its journal)', at: endedAt },
    ...(observedDut && { observedDut }),
    groups: composeGroups(plan, (p) => decided.get(unitName(p)) ?? undecided(p, why)),
  }
}
