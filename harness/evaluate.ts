import type { PlannedUnit } from '../catalog/plan.ts'
import type { Applicability } from '../catalog/applicability.ts'
import type { Edition } from '../catalog/types.ts'
import { fieldTitle, parseRead } from '../ixit/fields.ts'
import type { Assessment, Decision, IxitEntry } from '../ixit/types.ts'
import { IXIT_TABLES } from '../ixit/types.ts'
import type { Outcome, Rule } from './rule.ts'
import type { UnitResult, VerdictSource } from '../core/verdict.ts'

export interface EvaluationContext {
  assessment: Assessment
  edition: Edition
  rules: ReadonlyMap<string, Rule>
}

/** Indexes rules by the unit IDs they decide; two rules claiming one unit is a programming error. */
export function indexRules(rules: readonly Rule[]): Map<string, Rule> {
  const index = new Map<string, Rule>()
  for (const rule of rules) {
    for (const id of rule.decides) {
      const other = index.get(id)
      if (other) throw new Error(`rules ${other.name} and ${rule.name} both decide ${id}`)
      index.set(id, rule)
    }
  }
  return index
}

export function findEntry(a: Assessment, id: string | undefined): IxitEntry | undefined {
  if (id === undefined) return undefined
  for (const table of IXIT_TABLES) {
    const hit = (a.ixit[table] as IxitEntry[]).find((e) => e.id === id)
    if (hit) return hit
  }
  return undefined
}

/**
 * The supplier left a pro-forma field the unit depends on empty: the design is not shown. Not for
 * units the provision can meet without it (`emptyMayBeMet`): their rule decides from the facts.
 */
function emptyField(p: PlannedUnit, entry: IxitEntry): Outcome | undefined {
  if (p.unit.params?.emptyMayBeMet === true) return undefined
  const record = entry as unknown as Record<string, unknown>
  for (const read of p.unit.reads) {
    const { table, path } = parseRead(read)
    if (table !== p.unit.forEach?.table || path.length !== 1) continue
    const value = record[path[0]!]
    if (typeof value === 'string' && value.trim() === '') {
      return { verdict: 'FAIL', reason: `${entry.id}: the IXIT field "${fieldTitle(path[0]!)}" is empty` }
    }
  }
  return undefined
}

export function findDecision(a: Assessment, p: PlannedUnit): Decision | undefined {
  return a.decisions.find((d) => d.unit === p.unit.id && (p.unit.forEach ? d.target === p.target : true))
}

function decide(p: PlannedUnit, ctx: EvaluationContext): Outcome {
  const rule = ctx.rules.get(p.unit.id)
  if (!rule) return { verdict: 'INCONCLUSIVE', reason: 'no automatic check exists for this unit; assessor review needed' }
  const target = findEntry(ctx.assessment, p.target)
  if (target) {
    const empty = emptyField(p, target)
    if (empty) return empty
  }
  try {
    return rule.decide({
      assessment: ctx.assessment,
      edition: ctx.edition,
      unit: p.unit,
      target,
      emptyReason: p.emptyReason,
    })
  } catch (err) {
    return { verdict: 'INCONCLUSIVE', reason: `rule ${rule.name} failed: ${err instanceof Error ? err.message : String(err)}` }
  }
}

/** What decides a unit, whoever decided it. */
export type Decided = Pick<UnitResult, 'verdict' | 'reason' | 'source' | 'assessor' | 'evidence' | 'review' | 'quotes'>

/** How much of one field a unit result quotes: enough to read the claim, not a whole document. */
const QUOTE_CHARS = 600

/**
 * The fields of its own IXIT entry a unit read, as the supplier wrote them: a reader of the
 * report sees the words a verdict was drawn from beside it.
 */
function quotesOf(p: PlannedUnit, a: Assessment): Pick<UnitResult, 'quotes'> {
  const entry = findEntry(a, p.target)
  if (!entry) return {}
  const table = IXIT_TABLES.find((t) => (a.ixit[t] as IxitEntry[]).includes(entry))
  const record = entry as unknown as Record<string, unknown>
  const quotes = p.unit.reads.flatMap((field) => {
    const { table: t, path } = parseRead(field)
    const value = t === table && path.length === 1 ? record[path[0]!] : undefined
    if (typeof value !== 'string' || value.trim() === '') return []
    const text = value.length > QUOTE_CHARS ? `${value.slice(0, QUOTE_CHARS - 1)}…` : value
    return [{ entry: entry.id, field, text }]
  })
  return quotes.length ? { quotes } : {}
}

/**
 * Whether an assessor's decision may settle a unit: one the rules left open, or an observation
 * that put a question to the assessor. A mechanical or observed FAIL is not overruled by
 * paperwork, nor is an observation that could not be made. The run and `ts701 report` both ask.
 */
export function openToDecision(u: Pick<UnitResult, 'verdict' | 'source' | 'review'>): boolean {
  return u.verdict === 'INCONCLUSIVE' && (u.source === 'rule' || (u.source === 'observed' && u.review === true))
}

/**
 * Builds every unit result, field by field from the plan and the decision: the key order is
 * the same for every unit, and nothing else a check returns (a campaign's `kind`) leaks in.
 */
export function unitResult(p: PlannedUnit, d: Decided): UnitResult {
  return {
    id: p.unit.id,
    ...(p.target !== undefined && { target: p.target }),
    ...(p.variant !== undefined && { variant: p.variant }),
    ...(p.unit.origin && { origin: p.unit.origin }),
    ...(p.unit.basis && { basis: p.unit.basis }),
    verdict: d.verdict,
    reason: d.reason,
    source: d.source,
    reads: p.unit.reads,
    ...(d.assessor && { assessor: { name: d.assessor.name, date: d.assessor.date } }),
    ...(d.evidence?.length && { evidence: [...d.evidence] }),
    ...(d.review && { review: true as const }),
    ...(d.quotes?.length && { quotes: d.quotes }),
  }
}

/**
 * Turns an outcome into the unit's result. Assessor decisions settle only what the rules or
 * observations leave open: a mechanical or observed FAIL is not overruled by paperwork, nor is an
 * observation that could not be made (only an observed unit's question for review is theirs).
 */
export function conclude(p: PlannedUnit, outcome: Outcome & { evidence?: string[] }, source: VerdictSource, a: Assessment): UnitResult {
  const review = source === 'observed' && outcome.review === true ? { review: true as const } : {}
  const decision = openToDecision({ verdict: outcome.verdict, source, ...review }) ? findDecision(a, p) : undefined
  if (decision) {
    return unitResult(p, {
      verdict: decision.verdict,
      reason: decision.rationale,
      source: 'assessor',
      assessor: { name: decision.assessor, date: decision.date },
      ...quotesOf(p, a),
    })
  }
  return unitResult(p, {
    verdict: outcome.verdict,
    reason: outcome.reason,
    source,
    evidence: outcome.evidence,
    ...review,
    ...quotesOf(p, a),
  })
}

export function notApplicable(p: PlannedUnit, applicability: Applicability): UnitResult {
  return unitResult(p, { verdict: 'NOT APPLICABLE', reason: applicability.reason, source: 'rule' })
}

/** Runs one planned conceptual unit. */
export function evaluateUnit(p: PlannedUnit, applicability: Applicability, ctx: EvaluationContext): UnitResult {
  if (!applicability.applicable) return notApplicable(p, applicability)
  return conclude(p, decide(p, ctx), 'rule', ctx.assessment)
}
