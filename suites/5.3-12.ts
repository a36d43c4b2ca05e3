// Test group 5.3-12: the user is told when applying an update disrupts basic functioning.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { each, flag } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'disruption-announced',
    decides: ['5.3-12-1a'],
    decide: each<UpdMech>((m, input) => {
      const { disruptsBasicFunctioning, notifications } = m.facts
      if (disruptsBasicFunctioning === false) return pass(`${m.id}: updating does not disrupt basic functioning`)
      if (disruptsBasicFunctioning === true && !notifications && m.userNotification.trim() === '')
        return fail(`${m.id}: updating disrupts basic functioning, and the IXIT describes no notification of it`)
      if (disruptsBasicFunctioning === undefined || !notifications) {
        return review('is the user told on the device when updating disrupts basic functioning?', m, ['userNotification'])
      }
      if (!notifications.kinds.includes('disruption')) return fail(`${m.id}: updating disrupts basic functioning without telling the user`)
      if (!flag(input, 'onDevice')) return pass(`${m.id}: the device announces the disruption`)
      // V1.1.1 asks for the notice on the device itself, not only in an app or a mail.
      const shown = notifications.shownOn
      if (shown === undefined) return review('is the notice of the disruption shown on the device itself?', m, ['userNotification'])
      return shown.includes('device')
        ? pass(`${m.id}: the device itself announces the disruption`)
        : fail(`${m.id}: the disruption is announced only by ${shown.join(', ')}, not on the device itself`)
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
