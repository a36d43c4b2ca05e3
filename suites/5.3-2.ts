// Test group 5.3-2: a secure update mechanism exists.
import { fail, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { each } from './lib/each.ts'
import { resistsMisuse } from './lib/mechanisms.ts'

export const rules: Rule[] = [
  {
    name: 'mechanism-resists-misuse',
    decides: ['5.3-2-1a'],
    decide: each<UpdMech>(resistsMisuse, (reason) => fail(`no secure update mechanism: ${reason}`)),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-2', rules)
