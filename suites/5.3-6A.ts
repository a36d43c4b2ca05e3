// Test group 5.3-6A (EN 303 645 V3.1.3): the user can enable, disable and postpone automatic updates.
import type { Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { identifyAutomatic, offersControls } from './lib/automatic.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  { name: 'identify-automatic', decides: ['5.3-6A-1a'], decide: each<UpdMech>(identifyAutomatic) },
  {
    name: 'automatic-updates-controllable',
    decides: ['5.3-6A-1b'],
    decide: each<UpdMech>((m, input) => offersControls(m, input, 'automaticUpdates', 'configuration')),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-6A', rules)
