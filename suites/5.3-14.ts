// Test group 5.3-14: where software cannot be updated, the rationale and the hardware
// replacement are published.
import { fail, review, type Rule } from '../harness/rule.ts'
import type { UserInfo } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { each } from './lib/each.ts'

const undocumented = (reason: string) => fail(`2-UserInfo is missing: ${reason}`)

export const rules: Rule[] = [
  {
    name: 'non-updatable-publication-understandable',
    decides: ['5.3-14-1a'],
    decide: each<UserInfo>(
      (info) => review('can a user with limited technical knowledge follow the way to the publication on non-updatable software?', info, ['publicationOfNonUpdatable']),
      undocumented),
  },
  {
    name: 'replacement-period-and-method-documented',
    decides: ['5.3-14-1b'],
    decide: each<UserInfo>(
      (info) => review('does the documentation give a hardware replacement period and method?', info, ['documentationOfReplacement']),
      undocumented),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-14', rules)
