import type { Edition, UnitDef } from '../catalog/types.ts'
import type { Assessment, IxitEntry } from '../ixit/types.ts'
import { fieldTitle } from '../ixit/fields.ts'

/** What a rule concludes; NOT APPLICABLE is never a rule's call, applicability decides it. */
export interface Outcome {
  verdict: 'PASS' | 'FAIL' | 'INCONCLUSIVE'
  reason: string
  /**
   * INCONCLUSIVE as a question for a person (the content of a page, a unit without automation), not
   * as an observation that could not be made. Only such an observed unit may an assessor decision
   * settle: a decision must not paper over a device that did not answer or a page that did not load.
   */
  review?: true
}

export interface RuleInput {
  assessment: Assessment
  edition: Edition
  unit: UnitDef
  /** The entry under test, for units run once per entry. */
  target?: IxitEntry
  /** Set instead of `target` when the unit's selection is empty. */
  emptyReason?: string
}

/**
 * A rule decides one or more conceptual test units from the documents. `decides` ties it to the
 * standard's unit IDs (across editions), so a verdict leads straight to the code that made it.
 */
export interface Rule {
  name: string
  decides: string[]
  decide(input: RuleInput): Outcome
}

export const pass = (reason: string): Outcome => ({ verdict: 'PASS', reason })
export const fail = (reason: string): Outcome => ({ verdict: 'FAIL', reason })
export const inconclusive = (reason: string): Outcome => ({ verdict: 'INCONCLUSIVE', reason })

const MAX_QUOTE = 240

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > MAX_QUOTE ? `${flat.slice(0, MAX_QUOTE - 1)}…` : flat
}

/**
 * Only a person can judge this unit (timeliness, "understandable", suitability). The verdict
 * quotes the IXIT text the judgement rests on, so the assessor sees it in the report.
 */
export function review(question: string, entry: IxitEntry | undefined, fields: string[]): Outcome {
  const record = entry as unknown as Record<string, unknown> | undefined
  const quotes = fields
    .map((f) => [f, record?.[f]] as const)
    .filter((pair): pair is readonly [string, string] => typeof pair[1] === 'string' && pair[1] !== '')
    .map(([f, text]) => `${entry?.id} ${fieldTitle(f)}: "${quote(text)}"`)
  return inconclusive(`assessor review: ${question}${quotes.length ? ` — ${quotes.join('; ')}` : ''}`)
}
