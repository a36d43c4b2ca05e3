// Test group 5.3-3: updates are simple for the user to apply.
import type { Rule } from '../harness/rule.ts'
import type { SoftComp } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { noComponents, someMechanism } from './lib/components.ts'
import { each } from './lib/each.ts'

export const rules: Rule[] = [
  {
    name: 'component-has-simple-mechanism',
    decides: ['5.3-3-1a'],
    // Automatic and service-driven updates ask nothing of the user; anything user-driven needs
    // a person to judge whether a user with limited technical knowledge manages it.
    decide: each<SoftComp>(
      (comp, input) =>
        someMechanism(
          comp,
          input,
          'updates without technical steps by the user (automatic or via an associated service)',
          (m) => (m.facts.initiation === 'automatic' || m.facts.initiation === 'associated-service' ? true : undefined),
          ['initiationAndInteraction'],
        ),
      noComponents,
    ),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
