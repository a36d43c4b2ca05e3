// Test group 5.3-11: the user is told that a security update is required, with the risks it mitigates.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'security-update-announced',
    decides: ['5.3-11-1a'],
    decide: each<UpdMech>((m) => {
      const kinds = m.facts.notifications?.kinds
      if (kinds && !kinds.some((k) => k.startsWith('security-required'))) {
        return fail(`${m.id}: the user is never told that a security update is required`)
      }
      return review('is the notice that a security update is required recognizable and apparent?', m, ['userNotification'])
    }),
  },
  {
    name: 'security-update-names-risks',
    decides: ['5.3-11-1b'],
    decide: each<UpdMech>((m) => {
      const kinds = m.facts.notifications?.kinds
      if (!kinds) return review('does the notice name the risks the update mitigates?', m, ['userNotification'])
      return kinds.includes('security-required-with-risks')
        ? pass(`${m.id}: the notice names the risks the update mitigates`)
        : fail(`${m.id}: the notice does not name the risks the update mitigates`)
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
