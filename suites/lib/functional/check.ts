import type { FunctionalInput, Observation } from '../../../harness/functional.ts'
import type { IxitEntry, UpdMech } from '../../../ixit/types.ts'
import type { Session } from './session.ts'

type Run = (input: FunctionalInput) => Promise<Observation>

/** A functional check body with the run's session at hand. */
export function withSession(body: (s: Session, input: FunctionalInput) => Promise<Observation>): Run {
  return (input) => body(input.session, input)
}

/**
 * A check run once per update mechanism. Mechanisms the profile does not drive are INCONCLUSIVE
 * with the reason, never passed; an empty selection passes vacuously like the conceptual units.
 */
export function perMechanism(body: (s: Session, mech: UpdMech, input: FunctionalInput) => Promise<Observation>): Run {
  return withSession(async (s, input) => {
    const mech = input.target as UpdMech | undefined
    if (!mech) return { verdict: 'PASS', reason: `nothing to check: ${input.emptyReason ?? 'no entry selected'}` }
    if (!s.profile.mechanisms[mech.id]) {
      return { verdict: 'INCONCLUSIVE', reason: `the DUT profile does not say how to drive ${mech.id} (add it under mechanisms)` }
    }
    return body(s, mech, input)
  })
}

/** A check run once per IXIT entry of another table (2-UserInfo, …). */
export function perEntry<T extends IxitEntry>(body: (s: Session, entry: T, input: FunctionalInput) => Promise<Observation>): Run {
  return withSession(async (s, input) => {
    if (!input.target) return { verdict: 'INCONCLUSIVE', reason: `nothing to observe: ${input.emptyReason ?? 'no entry selected'}` }
    return body(s, input.target as T, input)
  })
}
