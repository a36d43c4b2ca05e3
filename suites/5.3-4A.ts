// Test group 5.3-4A (EN 303 645 V3.1.3): at least one mechanism can be configured to update automatically.
import { fail, type Outcome, type Rule, type RuleInput } from '../harness/rule.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck, FunctionalInput, Observation } from '../harness/functional.ts'
import { componentUpdatesUnattended } from './lib/automatic.ts'
import { noComponents } from './lib/components.ts'
import { perMechanism } from './lib/functional/check.ts'
import { controlResult } from './lib/functional/settings.ts'

/**
 * One mechanism of the device that updates unattended meets the provision, whichever component it
 * updates: the first component that has one decides; otherwise an open question before a FAIL.
 */
function deviceUpdatesUnattended(input: RuleInput): Outcome {
  const comps = input.assessment.ixit['6-SoftComp'].filter((c) => c.updateMechanisms.length > 0)
  if (comps.length === 0) return noComponents('no 6-SoftComp entry names an update mechanism')
  const outcomes = comps.map((c) => componentUpdatesUnattended(c, { ...input, target: c }))
  const met = outcomes.find((o) => o.verdict === 'PASS')
  if (met) return met
  return outcomes.find((o) => o.verdict === 'INCONCLUSIVE') ?? fail(outcomes.map((o) => o.reason).join('; '))
}

export const rules: Rule[] = [
  {
    name: 'device-can-update-unattended',
    decides: ['5.3-4A-1a'],
    decide: deviceUpdatesUnattended,
  },
]

const installsUnattended = perMechanism((s, m) => controlResult(s, m.id, 'automatic-updates', 'enable'))

/**
 * No mechanism updates automatically, so none can be switched to automatic and watched. This
 * runs only when the group applies (the device can be updated; without that the harness gives
 * NOT APPLICABLE before any check), so the standard offers no N/A here: nothing was observed,
 * and the missing mechanism is 5.3-4A-1a's finding from the documents, not a PASS of this unit.
 */
export function nothingToExercise(input: Pick<FunctionalInput, 'emptyReason'>): Observation {
  return {
    verdict: 'INCONCLUSIVE',
    reason: `nothing to exercise: ${input.emptyReason ?? 'no update mechanism selected'}, so no mechanism could be set to update automatically and watched; 5.3-4A-1a judges whether one exists`,
  }
}

export const checks: FunctionalCheck[] = [
  {
    name: 'installs-unattended',
    decides: ['5.3-4A-2a'],
    run: (input) => (input.target ? installsUnattended(input) : Promise.resolve(nothingToExercise(input))),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
