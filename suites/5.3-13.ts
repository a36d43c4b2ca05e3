// Test group 5.3-13: the support period is published.
import { fail, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { perEntry } from './lib/functional/check.ts'
import { judgeReachable, judgeStatesPeriod, judgeUnrestricted, publication } from './lib/functional/publication.ts'

export const rules: Rule[] = [
  {
    name: 'support-period-publication-understandable',
    decides: ['5.3-13-1a'],
    decide: each<UserInfo>(
      (info) =>
        review('can a user with limited technical knowledge follow the way to the support period publication?', info, [
          'publicationOfSupportPeriod',
          'supportPeriod',
        ]),
      (reason) => fail(`the support period publication is not documented: ${reason}`),
    ),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'support-publication-reachable',
    decides: ['5.3-13-2a'],
    run: perEntry<UserInfo>(async (s, info) => judgeReachable(await publication(s, info, 'support-period'))),
  },
  {
    name: 'support-publication-unrestricted',
    decides: ['5.3-13-2b'],
    run: perEntry<UserInfo>(async (s, info) => judgeUnrestricted(await publication(s, info, 'support-period'))),
  },
  {
    name: 'support-publication-states-period',
    decides: ['5.3-13-2c'],
    run: perEntry<UserInfo>(async (s, info) => judgeStatesPeriod(await publication(s, info, 'support-period'), info)),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
