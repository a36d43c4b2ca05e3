// Test group 5.3-15B (EN 303 645 V3.1.3): the hardware of a product with software that cannot be
// updated can be replaced.
import type { Rule } from '../harness/rule.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { replacementSuitable } from './lib/replacement.ts'

export const rules: Rule[] = [{ name: 'replacement-suitable', decides: ['5.3-15B-1a'], decide: replacementSuitable }]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
