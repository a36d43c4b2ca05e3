// Test group 5.3-15A (EN 303 645 V3.1.3): a product with software that cannot be updated can be isolated.
import type { Rule } from '../harness/rule.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { isolationSuitable } from './lib/replacement.ts'

export const rules: Rule[] = [{ name: 'isolation-suitable', decides: ['5.3-15A-1a'], decide: isolationSuitable }]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
