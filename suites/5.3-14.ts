// Test group 5.3-14: where software cannot be updated, the rationale and the hardware
// replacement are published.
import { fail, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { perEntry } from './lib/functional/check.ts'
import { judgeContentReview, judgeReachable, judgeStatesPeriod, judgeUnrestricted, publication } from './lib/functional/publication.ts'

const undocumented = (reason: string) => fail(`2-UserInfo is missing: ${reason}`)

export const rules: Rule[] = [
  {
    name: 'non-updatable-publication-understandable',
    decides: ['5.3-14-1a'],
    decide: each<UserInfo>(
      (info) =>
        review(
          'can a user with limited technical knowledge follow the way to the publication on non-updatable software and to the replacement documentation?',
          info,
          ['publicationOfNonUpdatable', 'documentationOfReplacement'],
        ),
      undocumented,
    ),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'non-updatable-publication-reachable',
    decides: ['5.3-14-2a'],
    run: perEntry<UserInfo>(async (s, info) => judgeReachable(await publication(s, info, 'non-updatable'))),
  },
  {
    name: 'non-updatable-publication-unrestricted',
    decides: ['5.3-14-2b'],
    run: perEntry<UserInfo>(async (s, info) => judgeUnrestricted(await publication(s, info, 'non-updatable'))),
  },
  {
    name: 'non-updatable-rationale-published',
    decides: ['5.3-14-2c'],
    run: perEntry<UserInfo>(async (s, info) =>
      judgeContentReview(await publication(s, info, 'non-updatable'), 'give the rationale for the absence of software updates'),
    ),
  },
  {
    name: 'replacement-period-and-method-published',
    decides: ['5.3-14-2d'],
    run: perEntry<UserInfo>(async (s, info) =>
      judgeContentReview(
        await publication(s, info, 'non-updatable'),
        `give the period and the method of hardware replacement support (${info.documentationOfReplacement})`,
      ),
    ),
  },
  {
    name: 'non-updatable-publication-states-period',
    decides: ['5.3-14-2e'],
    run: perEntry<UserInfo>(async (s, info) => judgeStatesPeriod(await publication(s, info, 'non-updatable'), info)),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
