// Test group 5.3-6 (EN 303 645 V2.1.1): automatic updates and notifications are on initially
// and the user can enable, disable and postpone them. Absent features pass vacuously.
import type { Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { identifyAutomatic, offersControls, onByDefault } from './lib/automatic.ts'
import { each } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { controlResult, isControl, judgeDefault } from './lib/functional/settings.ts'

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

export const checks: FunctionalCheck[] = [
  {
    name: 'v2-automatic-updates-on-initially-observed',
    decides: ['5.3-6-2a'],
    run: perMechanism((s) => judgeDefault(s, 'automatic-updates')),
  },
  {
    name: 'v2-automatic-update-controls-work',
    decides: ['5.3-6-2b'],
    run: perMechanism((s, m, { variant }) =>
      isControl(variant)
        ? controlResult(s, m.id, 'automatic-updates', variant)
        : Promise.resolve({ verdict: 'INCONCLUSIVE' as const, reason: `unknown control ${variant}` }),
    ),
  },
  { name: 'v2-notifications-on-initially-observed', decides: ['5.3-6-2c'], run: perMechanism((s) => judgeDefault(s, 'notifications')) },
  {
    name: 'v2-notification-controls-work',
    decides: ['5.3-6-2d'],
    run: perMechanism((s, m, { variant }) =>
      isControl(variant)
        ? controlResult(s, m.id, 'notifications', variant)
        : Promise.resolve({ verdict: 'INCONCLUSIVE' as const, reason: `unknown control ${variant}` }),
    ),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
