// Test group 5.3-6B (EN 303 645 V3.1.3): the user can enable and disable update notifications.
import { pass, review, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { offersControls } from './lib/automatic.ts'
import { each } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { controlResult, isControl } from './lib/functional/settings.ts'

export const rules: Rule[] = [
  {
    name: 'identify-notifying',
    decides: ['5.3-6B-1a'],
    decide: each<UpdMech>((m) => {
      const n = m.facts.notifications
      if (!n) return review('does this mechanism notify the user about updates?', m, ['userNotification'])
      return pass(n.kinds.length ? `${m.id} notifies: ${n.kinds.join(', ')}` : `${m.id} sends no update notifications`)
    }),
  },
  {
    name: 'notifications-controllable',
    decides: ['5.3-6B-1b'],
    decide: each<UpdMech>((m, input) => offersControls(m, input, 'notifications', 'userNotification')),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'notification-controls-work',
    decides: ['5.3-6B-2a'],
    run: perMechanism((s, m, { variant }) =>
      isControl(variant)
        ? controlResult(s, m.id, 'notifications', variant)
        : Promise.resolve({ verdict: 'INCONCLUSIVE' as const, reason: `unknown control ${variant}` }),
    ),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
