import { fail, inconclusive, pass, review, type Outcome, type RuleInput } from '../../harness/rule.ts'
import type { SoftComp, UpdMech } from '../../ixit/types.ts'
import { mechanismsOf } from './mechanisms.ts'

export type MechanismVerdict = boolean | undefined

/**
 * "Each component has at least one mechanism that …": passes on the first mechanism that
 * qualifies, fails only when every mechanism is known not to, and otherwise asks the assessor.
 */
export function someMechanism(
  comp: SoftComp,
  input: RuleInput,
  what: string,
  qualifies: (m: UpdMech) => MechanismVerdict,
  fields: Array<keyof UpdMech>,
): Outcome {
  const mechs = mechanismsOf(comp, input.assessment)
  const verdicts = mechs.map((m) => [m, qualifies(m)] as const)
  const hit = verdicts.find(([, ok]) => ok === true)
  if (hit) return pass(`${comp.id}: ${hit[0].id} ${what}`)
  const unknown = verdicts.filter(([, ok]) => ok === undefined).map(([m]) => m)
  if (unknown.length === 0) return fail(`${comp.id}: none of ${comp.updateMechanisms.join(', ')} ${what}`)
  const first = unknown[0]!
  return review(
    `the IXIT facts do not say whether ${unknown.map((m) => m.id).join(' or ')} of ${comp.id} ${what}`,
    first,
    fields as string[],
  )
}

/** A component list that is empty cannot show per-component coverage. */
export const noComponents = (reason: string): Outcome => inconclusive(`cannot tell which components the mechanisms update: ${reason}`)
