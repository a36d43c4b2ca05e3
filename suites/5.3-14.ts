// Test group 5.3-14: where software cannot be updated, the rationale and the hardware
// replacement are published.
import { fail, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { perEntry } from './lib/functional/check.ts'
import { judgeOpen, judgeStatesPeriod, publication } from './lib/functional/publication.ts'
import type { Observation } from '../harness/functional.ts'

const undocumented = (reason: string) => fail(`2-UserInfo is missing: ${reason}`)

export const rules: Rule[] = [
  {
    name: 'non-updatable-publication-understandable',
    decides: ['5.3-14-1a'],
    decide: each<UserInfo>(
      (info) =>
        review('can a user with limited technical knowledge follow the way to the publication on non-updatable software?', info, [
          'publicationOfNonUpdatable',
        ]),
      undocumented,
    ),
  },
  {
    name: 'replacement-period-and-method-documented',
    decides: ['5.3-14-1b'],
    decide: each<UserInfo>(
      (info) => review('does the documentation give a hardware replacement period and method?', info, ['documentationOfReplacement']),
      undocumented,
    ),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'non-updatable-publication-open',
    decides: ['5.3-14-2a'],
    run: perEntry<UserInfo>(async (s, info) => judgeOpen(await publication(s, info, 'non-updatable'))),
  },
  {
    name: 'non-updatable-publication-complete',
    decides: ['5.3-14-2b'],
    run: perEntry<UserInfo>(async (s, info): Promise<Observation> => {
      const fetched = await publication(s, info, 'non-updatable')
      const period = judgeStatesPeriod(fetched, info)
      if (period.verdict !== 'PASS' || 'problem' in fetched) return period
      return {
        verdict: 'INCONCLUSIVE',
        reason: `assessor review: does ${fetched.url} give the rationale and the replacement period and method? (${period.reason})`,
        review: true,
        evidence: period.evidence,
      }
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
