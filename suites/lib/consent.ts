/**
 * V3 5.3-4B: automatic security updates are enabled during initialization once the user consents.
 * A device may well start with them off and wait for that consent: what it must do is ask during
 * initialization and turn them on when the user agrees.
 */
import { fail, pass, review, type Outcome } from '../../harness/rule.ts'
import type { UpdMech, UserDec } from '../../ixit/types.ts'

/** The 26-UserDec entry in which initialization asks about automatic updates, if one does. */
export function consentAtInitialization(decisions: readonly UserDec[]): UserDec | undefined {
  return decisions.find((d) => d.facts.subject === 'automatic-updates' && d.facts.duringInitialization === true)
}

/** Whether automatic updates of the mechanism are on once initialization is done with the user's consent. */
export function onAfterConsent(m: UpdMech, decisions: readonly UserDec[]): Outcome {
  const config = m.facts.automaticUpdates
  if (!config) return review('are automatic updates on once the user has consented during initialization?', m, ['configuration'])
  if (config.enabledByDefault) return pass(`${m.id}: automatic updates are on in the initialized state`)
  const asked = consentAtInitialization(decisions)
  if (!asked) return fail(`${m.id}: automatic updates are off in the initialized state, and initialization asks for no consent to them`)
  const consented = asked.facts.enablesOnConsent
  if (consented === true)
    return pass(`${m.id}: automatic updates are off until the user consents during initialization (${asked.id}), which turns them on`)
  if (consented === false)
    return fail(`${m.id}: automatic updates stay off even when the user consents during initialization (${asked.id})`)
  return review(`does consenting during initialization (${asked.id}) turn automatic updates of ${m.id} on?`, asked, [
    'options',
    'description',
  ])
}
