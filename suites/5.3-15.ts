// Test group 5.3-15 (EN 303 645 V2.1.1): a constrained device that cannot be updated can be
// isolated and its hardware replaced.
import type { Rule } from '../harness/rule.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { isolationSuitable, replacementSuitable } from './lib/replacement.ts'

export const rules: Rule[] = [
  { name: 'v2-isolation-suitable', decides: ['5.3-15-1a'], decide: isolationSuitable },
  { name: 'v2-replacement-suitable', decides: ['5.3-15-1b'], decide: replacementSuitable },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
