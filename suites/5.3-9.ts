// Test group 5.3-9: the device verifies authenticity and integrity of updates.
import type { Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { each } from './lib/each.ts'
import { verifies } from './lib/mechanisms.ts'

export const rules: Rule[] = [
  { name: 'authenticity-verified', decides: ['5.3-9-1a'], decide: each<UpdMech>((m) => verifies(m, 'authenticity', false)) },
  { name: 'integrity-verified', decides: ['5.3-9-1b'], decide: each<UpdMech>((m) => verifies(m, 'integrity', false)) },
  { name: 'authenticity-verified-by-device', decides: ['5.3-9-1c'], decide: each<UpdMech>((m) => verifies(m, 'authenticity', true)) },
  { name: 'integrity-verified-by-device', decides: ['5.3-9-1d'], decide: each<UpdMech>((m) => verifies(m, 'integrity', true)) },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, '5.3-9', rules)
