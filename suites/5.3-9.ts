// Test group 5.3-9: the device verifies authenticity and integrity of updates.
import { fail, pass, review, type Outcome, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { verifies } from './lib/mechanisms.ts'
import { campaign, summarize } from './lib/functional/campaign.ts'
import { perMechanism } from './lib/functional/check.ts'

/**
 * 5.3-9-1a asks for authenticity of source and target: a verified source is not enough when a
 * genuine update for another device passes too.
 */
function boundToTarget(m: UpdMech, source: Outcome): Outcome {
  if (source.verdict !== 'PASS') return source
  const bound = m.facts.targetBound
  if (bound === true) return pass(`${source.reason}; the authenticated data names the target device`)
  if (bound === false) return fail(`${m.id}: the source is verified, but nothing authenticated names the device the update is for`)
  return review('does the authenticated data name the device the update is for (hardware ID, device type)?', m, [
    'cryptographicDetails',
    'description',
  ])
}

export const rules: Rule[] = [
  {
    name: 'authenticity-verified',
    decides: ['5.3-9-1a'],
    decide: each<UpdMech>((m) => boundToTarget(m, verifies(m, 'authenticity', false))),
  },
  { name: 'integrity-verified', decides: ['5.3-9-1b'], decide: each<UpdMech>((m) => verifies(m, 'integrity', false)) },
  { name: 'authenticity-verified-by-device', decides: ['5.3-9-1c'], decide: each<UpdMech>((m) => verifies(m, 'authenticity', true)) },
  { name: 'integrity-verified-by-device', decides: ['5.3-9-1d'], decide: each<UpdMech>((m) => verifies(m, 'integrity', true)) },
]

/** Which attack families each unit of 5.3-9-2 rests on. */
const FAMILIES: Record<string, string[]> = {
  '5.3-9-2a': ['bit-flip', 'truncation'],
  '5.3-9-2b': ['signature'],
  '5.3-9-2c': ['manifest', 'hardware', 'prepared'],
}

export const checks: FunctionalCheck[] = [
  {
    name: 'tampered-images-rejected',
    decides: Object.keys(FAMILIES),
    run: perMechanism(async (s, m, { unit }) => summarize(await campaign(s, m.id), (_name, kind) => FAMILIES[unit.id]!.includes(kind))),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
