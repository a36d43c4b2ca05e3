// Test group 5.3-4B (EN 303 645 V3.1.3): automatic security updates are enabled during
// initialization once the user consents.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { consentAtInitialization, onAfterConsent } from './lib/consent.ts'
import { each } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { judgeConsent } from './lib/functional/consent.ts'

export const rules: Rule[] = [
  {
    name: 'initialization-asks-consent',
    decides: ['5.3-4B-1a'],
    decide: ({ assessment }) => {
      const decisions = assessment.ixit['26-UserDec']
      const aboutUpdates = decisions.filter((d) => d.facts.subject === 'automatic-updates')
      const atInit = consentAtInitialization(decisions)
      if (atInit?.facts.enablesOnConsent === false)
        return fail(`${atInit.id}: initialization asks for consent to automatic updates, but consenting leaves them off`)
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
    decide: each<UpdMech>((m, { assessment }) => onAfterConsent(m, assessment.ixit['26-UserDec'])),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'automatic-updates-on-after-consent',
    decides: ['5.3-4B-2a'],
    run: perMechanism((s, _m, input) => judgeConsent(s, input)),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
