// Test group 5.3-12: the user is told when applying an update disrupts basic functioning.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'disruption-announced',
    decides: ['5.3-12-1a'],
    decide: each<UpdMech>((m) => {
      const { disruptsBasicFunctioning, notifications } = m.facts
      if (disruptsBasicFunctioning === false) return pass(`${m.id}: updating does not disrupt basic functioning`)
      if (disruptsBasicFunctioning === true && !notifications && m.userNotification.trim() === '')
        return fail(`${m.id}: updating disrupts basic functioning, and the IXIT describes no notification of it`)
      if (disruptsBasicFunctioning === undefined || !notifications) {
        return review('is the user told on the device when updating disrupts basic functioning?', m, ['userNotification'])
      }
      return notifications.kinds.includes('disruption')
        ? pass(`${m.id}: the device announces the disruption`)
        : fail(`${m.id}: updating disrupts basic functioning without telling the user`)
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
