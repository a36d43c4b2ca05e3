// Test group 5.3-13: the support period is published.
import { fail, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'support-period-publication-understandable',
    decides: ['5.3-13-1a'],
    decide: each<UserInfo>(
      (info) => review('can a user with limited technical knowledge follow the way to the support period publication?', info, ['publicationOfSupportPeriod', 'supportPeriod']),
      (reason) => fail(`the support period publication is not documented: ${reason}`),
    ),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-13', rules)
