// Test group 5.3-2: a secure update mechanism exists.
import { fail, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { resistsMisuse } from './lib/mechanisms.ts'
import { campaign } from './lib/functional/campaign.ts'
import { perMechanism } from './lib/functional/check.ts'

export const rules: Rule[] = [
  {
    name: 'mechanism-resists-misuse',
    decides: ['5.3-2-1a'],
    decide: each<UpdMech>(resistsMisuse, (reason) => fail(`no secure update mechanism: ${reason}`)),
  },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'attacks-devised',
    decides: ['5.3-2-2a'],
    run: perMechanism(async (s, m) => {
      const names = s.lab.attacks.map((a) => a.name)
      if (names.length === 0)
        return { verdict: 'INCONCLUSIVE', reason: 'no attack image could be prepared: give images in the DUT profile' }
      const drive = s.profile.mechanisms[m.id]!
      const via =
        drive.via === 'update-server'
          ? 'served by the update-server emulator'
          : drive.delivery !== undefined
            ? `delivered with the delivery "${drive.delivery}"`
            : 'delivered with the deliver-image operation'
      return { verdict: 'PASS', reason: `${names.length} attacks ${via}: ${names.join(', ')}; impostor servers are tried under 5.3-10` }
    }),
  },
  {
    name: 'attack-rejected',
    decides: ['5.3-2-2b'],
    run: perMechanism(async (s, m, { variant }) => {
      const result = (await campaign(s, m.id)).byVariant.get(variant ?? '')
      return result ?? { verdict: 'INCONCLUSIVE', reason: `no attack named ${variant} was prepared for this run` }
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
