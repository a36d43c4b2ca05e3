// Test group 5.3-1: software components can be updated securely.
import { review, type Rule } from '../harness/rule.ts'
import type { SoftComp, UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { resistsMisuse } from './lib/mechanisms.ts'
import { campaign, CONTROL, summarize } from './lib/functional/campaign.ts'
import { perMechanism } from './lib/functional/check.ts'

export const rules: Rule[] = [
  {
    name: 'not-updatable-is-justified',
    decides: ['5.3-1-1a'],
    // An empty justification never reaches the rule: the engine fails empty fields a unit reads.
    decide: each<SoftComp>((comp) =>
      review('is the justification sound on practicability or security grounds?', comp, ['notUpdatableJustification']),
    ),
  },
  {
    name: 'referenced-mechanism-resists-misuse',
    decides: ['5.3-1-1b'],
    decide: each<UpdMech>(resistsMisuse),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'referenced-mechanism-resists-attacks',
    decides: ['5.3-1-2a'],
    // The replay of the running version is its own 5.3-2-2b variant, for the assessor when taken: no attack here.
    run: perMechanism(async (s, m) => summarize(await campaign(s, m.id), (name, kind) => name !== CONTROL && kind !== 'replay')),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
