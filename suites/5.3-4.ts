// Test group 5.3-4 (EN 303 645 V2.1.1): automatic update mechanisms are used.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { SoftComp } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { componentUpdatesUnattended } from './lib/automatic.ts'
import { noComponents } from './lib/components.ts'
import { each } from './lib/each.ts'
import { mechanismsOf } from './lib/mechanisms.ts'

export const rules: Rule[] = [
  {
    name: 'component-updates-unattended',
    decides: ['5.3-4-1a'],
    decide: each<SoftComp>(componentUpdatesUnattended, noComponents),
  },
  {
    name: 'configurable-automation-on-by-default',
    decides: ['5.3-4-1b'],
    decide: each<SoftComp>((comp, { assessment }) => {
      const mechs = mechanismsOf(comp, assessment)
      const configurable = mechs.filter((m) => m.facts.automaticUpdates !== undefined)
      if (configurable.some((m) => m.facts.automaticUpdates?.enabledByDefault)) {
        return pass(
          `${comp.id}: ${configurable
            .filter((m) => m.facts.automaticUpdates?.enabledByDefault)
            .map((m) => m.id)
            .join(', ')} update automatically by default`,
        )
      }
      if (configurable.length)
        return fail(`${comp.id}: automatic updates of ${configurable.map((m) => m.id).join(', ')} are off by default`)
      if (mechs.every((m) => m.facts.initiation !== undefined)) return pass(`${comp.id}: no mechanism makes automation configurable`)
      return review(`is automation configurable for ${comp.id}, and on by default?`, mechs[0], ['configuration'])
    }, noComponents),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
