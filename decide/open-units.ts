/**
 * The units a run left to a person: INCONCLUSIVE with a question for the assessor, and not yet
 * settled by a decision. They come from a run folder, or from evaluating the documents the way
 * `ts701 run --conceptual-only` does.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RecordedEntry } from '../core/evidence.ts'
import type { CaseKind, GroupResult, RunResults, UnitResult } from '../core/verdict.ts'
import { execute, prepare } from '../harness/run.ts'
import { EVIDENCE_LOG, loadEvidence } from '../reports/html/input.ts'
import type { DecisionKey } from './decisions-file.ts'
import { DecideError } from './errors.ts'

/**
 * How the rules and checks word a question for a person: `assessor review: …` (rules, and a few
 * functional checks), and the functional units no check can run or whose observation only a
 * person can judge. An INCONCLUSIVE worded otherwise is an observation that could not be made:
 * a decision must not paper over it, so it is not offered.
 */
const ASKS_FOR_ASSESSOR = [/assessor review/i, /for the assessor\b/i, /assessor to record/i, /a person reads it/i]

export function asksForAssessor(u: Pick<UnitResult, 'verdict' | 'reason'>): boolean {
  return u.verdict === 'INCONCLUSIVE' && ASKS_FOR_ASSESSOR.some((re) => re.test(u.reason))
}

/** One result of the unit that asks: one per unit, or one per variant of a functional unit. */
export interface Ask {
  variant?: string
  reason: string
  evidence: string[]
}

export interface OpenUnit {
  unit: string
  target?: string
  group: { id: string; title: string }
  kind: CaseKind
  /** IXIT fields the unit read, as `7-UpdMech.cryptographicDetails`. */
  reads: string[]
  asks: Ask[]
}

/** Whether a decision settles a unit the way a run applies it: a unit without a target takes any. */
export function isDecided(u: { id: string; target?: string }, decided: readonly DecisionKey[]): boolean {
  return decided.some((d) => d.unit === u.id && (u.target === undefined || d.target === u.target))
}

/**
 * The open units in report order. A decision names no variant, so the variants of one unit and
 * target are one question, asked once with all their reasons.
 */
export function openUnits(groups: readonly GroupResult[], decided: readonly DecisionKey[]): OpenUnit[] {
  const open = new Map<string, OpenUnit>()
  for (const g of groups) {
    for (const c of g.cases) {
      for (const u of c.units) {
        if (!asksForAssessor(u) || isDecided(u, decided)) continue
        const key = `${u.id}\u0000${u.target ?? ''}`
        const ask: Ask = { ...(u.variant !== undefined && { variant: u.variant }), reason: u.reason, evidence: u.evidence ?? [] }
        const known = open.get(key)
        if (known) {
          known.asks.push(ask)
          continue
        }
        open.set(key, {
          unit: u.id,
          ...(u.target !== undefined && { target: u.target }),
          group: { id: g.id, title: g.title },
          kind: c.kind,
          reads: u.reads,
          asks: [ask],
        })
      }
    }
  }
  return [...open.values()]
}

/** The conceptual units of the documents, evaluated by the run's own machinery; no device needed. */
export async function evaluateDocuments(dir: string, standard: string | undefined): Promise<GroupResult[]> {
  const prepared = await prepare(dir, { standard, conceptualOnly: true })
  const results = await execute(prepared, { progress: false })
  return results.groups
}

export interface RunFolder {
  groups: GroupResult[]
  evidence: ReadonlyMap<string, RecordedEntry>
}

/** The result model and evidence log of a run folder, checked as far as this workflow reads them. */
export async function readRunFolder(runDir: string): Promise<RunFolder> {
  const file = join(runDir, 'results.json')
  let value: unknown
  try {
    value = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new DecideError(
      'E_DECIDE_RUN',
      `cannot read the results of a run from ${file}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  const problem = resultsProblem(value)
  if (problem) throw new DecideError('E_DECIDE_RUN', `${file} is not the results.json of a ts701 run: ${problem}`)
  const log = join(runDir, EVIDENCE_LOG)
  try {
    return { groups: (value as Pick<RunResults, 'groups'>).groups, evidence: await loadEvidence(log) }
  } catch (err) {
    throw new DecideError('E_DECIDE_RUN', `cannot read the evidence log ${log}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** What in a parsed results.json does not have the shape this workflow reads, or undefined. */
function resultsProblem(value: unknown): string | undefined {
  if (!isRecord(value) || !Array.isArray(value.groups)) return 'no "groups" list'
  for (const [gi, g] of value.groups.entries()) {
    if (!isRecord(g) || typeof g.id !== 'string' || typeof g.title !== 'string' || !Array.isArray(g.cases))
      return `group ${gi} is malformed`
    for (const [ci, c] of g.cases.entries()) {
      const kind = isRecord(c) && (c.kind === 'conceptual' || c.kind === 'functional')
      if (!isRecord(c) || !kind || typeof c.id !== 'string' || !Array.isArray(c.units)) return `case ${ci} of group ${g.id} is malformed`
      for (const [ui, u] of c.units.entries()) {
        const fine =
          isRecord(u) &&
          typeof u.id === 'string' &&
          typeof u.verdict === 'string' &&
          typeof u.reason === 'string' &&
          (u.target === undefined || typeof u.target === 'string') &&
          (u.variant === undefined || typeof u.variant === 'string') &&
          isStrings(u.reads) &&
          (u.evidence === undefined || isStrings(u.evidence))
        if (!fine) return `unit ${ui} of case ${c.id} is malformed`
      }
    }
  }
  return undefined
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string')
}
