import { fail, pass, review, type Outcome, type RuleInput } from '../../harness/rule.ts'
import type { SoftComp, UpdMech, UserControl } from '../../ixit/types.ts'
import { someMechanism, type MechanismVerdict } from './components.ts'
import { listParam, missingFrom } from './each.ts'

/** Checks for and installs updates with no user interaction, or can be configured to. */
export function runsUnattended(m: UpdMech): MechanismVerdict {
  const f = m.facts
  if (f.initiation === undefined && f.automaticUpdates === undefined) return undefined
  if (f.checking?.by === 'user') return false
  return f.initiation === 'automatic' || f.automaticUpdates !== undefined
}

export function componentUpdatesUnattended(comp: SoftComp, input: RuleInput): Outcome {
  return someMechanism(comp, input, 'checks for and installs updates without user interaction', runsUnattended, [
    'initiationAndInteraction',
    'updateChecking',
    'configuration',
  ])
}

/** Classifies a mechanism as automatic or not; only silence in the IXIT is left open. */
export function identifyAutomatic(m: UpdMech): Outcome {
  if (m.facts.initiation === undefined) {
    return review('does this mechanism update automatically?', m, ['initiationAndInteraction'])
  }
  return pass(`${m.id} ${m.facts.initiation === 'automatic' ? 'updates automatically' : `is ${m.facts.initiation}-initiated`}`)
}

/** The user can use each control the catalog lists for this unit (enable, disable, postpone). */
export function offersControls(m: UpdMech, input: RuleInput, feature: 'automaticUpdates' | 'notifications', field: keyof UpdMech): Outcome {
  const label = feature === 'automaticUpdates' ? 'automatic updates' : 'update notifications'
  const config = m.facts[feature]
  if (!config) return review(`can the user ${listParam(input, 'controls').join(', ')} ${label}?`, m, [field as string, 'configuration'])
  const wanted = listParam(input, 'controls') as UserControl[]
  const missing = missingFrom(wanted, config.userCan)
  // Where the edition lists the controls as alternatives (anyControl), one of them is enough.
  if (input.unit.params?.anyControl === true) {
    if (missing.length === wanted.length) return fail(`${m.id}: the user can neither ${wanted.join(' nor ')} ${label}`)
    const also = missing.length ? ` (not ${missing.join(' or ')}: one of ${wanted.join(', ')} suffices in this edition)` : ''
    return pass(`${m.id}: the user can ${config.userCan.join(', ')} ${label}${also}`)
  }
  if (missing.length) return fail(`${m.id}: the user cannot ${missing.join(' or ')} ${label}`)
  return pass(`${m.id}: the user can ${config.userCan.join(', ')} ${label}`)
}

/** The feature is on in the initialized state. */
export function onByDefault(m: UpdMech, feature: 'automaticUpdates' | 'notifications', field: keyof UpdMech): Outcome {
  const label = feature === 'automaticUpdates' ? 'automatic updates' : 'update notifications'
  const config = m.facts[feature]
  if (!config) return review(`are ${label} on in the initialized state?`, m, [field as string, 'configuration'])
  return config.enabledByDefault
    ? pass(`${m.id}: ${label} are on in the initialized state`)
    : fail(`${m.id}: ${label} are off in the initialized state`)
}
