// Test group 5.3-6A (EN 303 645 V3.1.3): the user can enable, disable and postpone automatic updates.
import type { Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { identifyAutomatic, offersControls } from './lib/automatic.ts'
import { each } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { controlResult, isControl } from './lib/functional/settings.ts'

export const rules: Rule[] = [
  { name: 'identify-automatic', decides: ['5.3-6A-1a'], decide: each<UpdMech>(identifyAutomatic) },
  {
    name: 'automatic-updates-controllable',
    decides: ['5.3-6A-1b'],
    decide: each<UpdMech>((m, input) => offersControls(m, input, 'automaticUpdates', 'configuration')),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'automatic-update-controls-work',
    decides: ['5.3-6A-2a'],
    run: perMechanism((s, m, { variant }) =>
      isControl(variant)
        ? controlResult(s, m.id, 'automatic-updates', variant)
        : Promise.resolve({ verdict: 'INCONCLUSIVE' as const, reason: `unknown control ${variant}` }),
    ),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
