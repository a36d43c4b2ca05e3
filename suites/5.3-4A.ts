// Test group 5.3-4A (EN 303 645 V3.1.3): at least one mechanism can be configured to update automatically.
import type { Rule } from '../harness/rule.ts'
import type { SoftComp } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { componentUpdatesUnattended } from './lib/automatic.ts'
import { noComponents } from './lib/components.ts'
import { each } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { controlResult } from './lib/functional/settings.ts'

export const rules: Rule[] = [
  {
    name: 'component-can-update-unattended',
    decides: ['5.3-4A-1a'],
    decide: each<SoftComp>(componentUpdatesUnattended, noComponents),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'installs-unattended',
    decides: ['5.3-4A-2a'],
    run: perMechanism((s, m) => controlResult(s, m.id, 'automatic-updates', 'enable')),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
