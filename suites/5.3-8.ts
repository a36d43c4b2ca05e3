// Test group 5.3-8: security updates are timely.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { UpdProc } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'procedure-supports-timely-updates',
    decides: ['5.3-8-1a'],
    decide: each<UpdProc>(
      (p) => review('do the procedure and its time frame support timely deployment of security updates?', p, ['description', 'timeFrame']),
      (reason) => fail(`no security update procedure is documented: ${reason}`),
    ),
  },
  {
    name: 'update-procedures-confirmed',
    decides: ['5.3-8-1b'],
    decide: ({ assessment }) => {
      const conf = assessment.ixit['4-Conf'].find((c) => c.subject === 'update-procedures')
      if (!conf) return fail('4-Conf has no confirmation of the update procedures')
      if (!conf.confirmed) return fail(`${conf.id}: the supplier does not confirm the update procedures`)
      if (conf.statement.trim() === '') return fail(`${conf.id}: the confirmation is empty`)
      return pass(`${conf.id}: the supplier confirms the update procedures`)
    },
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
