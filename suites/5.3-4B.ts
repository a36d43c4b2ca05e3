// Test group 5.3-4B (EN 303 645 V3.1.3): automatic security updates are enabled during
// initialization once the user consents.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { onByDefault } from './lib/automatic.ts'
import { each } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { judgeDefault } from './lib/functional/settings.ts'

export const rules: Rule[] = [
  {
    name: 'initialization-asks-consent',
    decides: ['5.3-4B-1a'],
    decide: ({ assessment }) => {
      const decisions = assessment.ixit['26-UserDec']
      const aboutUpdates = decisions.filter((d) => d.facts.subject === 'automatic-updates')
      const atInit = aboutUpdates.find((d) => d.facts.duringInitialization === true)
      if (atInit)
        return pass(
          `${atInit.id}: initialization asks for consent to automatic updates (default: ${atInit.facts.defaultOption ?? 'not stated'})`,
        )
      if (aboutUpdates.length)
        return fail(`${aboutUpdates.map((d) => d.id).join(', ')}: consent to automatic updates is not asked during initialization`)
      const unclassified = decisions.filter((d) => d.facts.subject === undefined)
      if (unclassified.length) {
        return review('does initialization ask the user to consent to automatic security updates?', unclassified[0], [
          'description',
          'options',
          'triggeredBy',
        ])
      }
      return fail('26-UserDec documents no user decision about automatic updates')
    },
  },
  {
    name: 'automatic-updates-on-after-consent',
    decides: ['5.3-4B-1b'],
    decide: each<UpdMech>((m) => onByDefault(m, 'automaticUpdates', 'configuration')),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'automatic-updates-on-after-initialization',
    decides: ['5.3-4B-2a'],
    run: perMechanism((s) => judgeDefault(s, 'automatic-updates')),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
