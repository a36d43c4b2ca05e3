// Test group 5.3-6 (EN 303 645 V2.1.1): automatic updates and notifications are on initially
// and the user can enable, disable and postpone them. Absent features pass vacuously.
import type { Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { identifyAutomatic, offersControls, onByDefault } from './lib/automatic.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  { name: 'v2-identify-automatic', decides: ['5.3-6-1a'], decide: each<UpdMech>(identifyAutomatic) },
  {
    name: 'v2-automatic-updates-controllable',
    decides: ['5.3-6-1b'],
    decide: each<UpdMech>((m, input) => offersControls(m, input, 'automaticUpdates', 'configuration')),
  },
  {
    name: 'v2-automatic-updates-on-initially',
    decides: ['5.3-6-1c'],
    decide: each<UpdMech>((m) => onByDefault(m, 'automaticUpdates', 'configuration')),
  },
  {
    name: 'v2-notifications-controllable',
    decides: ['5.3-6-1d'],
    decide: each<UpdMech>((m, input) => offersControls(m, input, 'notifications', 'userNotification')),
  },
  {
    name: 'v2-notifications-on-initially',
    decides: ['5.3-6-1e'],
    decide: each<UpdMech>((m) => onByDefault(m, 'notifications', 'userNotification')),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-6', rules)
