// Test group 5.3-5: the device (or, since V3, an associated service) checks for security updates
// after initialization and (V2.1.1) then periodically.
import type { Rule } from '../harness/rule.ts'
import type { SoftComp, UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { noComponents, someMechanism } from './lib/components.ts'
import { durationSeconds } from '../core/duration.ts'
import { each, flag, listParam } from './lib/each.ts'
import { perMechanism } from './lib/functional/check.ts'
import { checkTimeline, judgeBootCheck, judgePeriodClaim, judgePeriodic, recordClaim } from './lib/functional/observe-checks.ts'

/** Whether one of `checkers` checks after initialization and, where the edition asks, then periodically. */
function checksAsAsked(m: UpdMech, checkers: string[], periodic: boolean): boolean | undefined {
  const c = m.facts.checking
  if (!c) return undefined
  if (!checkers.includes(c.by) || !c.afterInitialization) return false
  if (!periodic) return true
  const period = c.period === undefined ? undefined : durationSeconds(c.period)
  return period !== undefined && period > 0
}

export const rules: Rule[] = [
  {
    name: 'component-checked-after-init-and-periodically',
    decides: ['5.3-5-1a'],
    decide: each<SoftComp>((comp, input) => {
      const checkers = listParam(input, 'checkers')
      const periodic = flag(input, 'periodic')
      return someMechanism(
        comp,
        input,
        `is checked by ${checkers.join(' or ')} after initialization${periodic ? ' and then periodically' : ''}`,
        (m) => checksAsAsked(m, checkers, periodic),
        ['updateChecking'],
      )
    }, noComponents),
  },
]

export const checks: FunctionalCheck[] = [
  { name: 'checks-after-restart', decides: ['5.3-5-2a'], run: perMechanism(async (s, m) => judgeBootCheck(await checkTimeline(s), m)) },
  { name: 'checks-periodically', decides: ['5.3-5-2b'], run: perMechanism(async (s, m) => judgePeriodic(await checkTimeline(s), m)) },
  {
    name: 'check-period-as-documented',
    decides: ['5.3-5-2c'],
    run: perMechanism(async (s, m) => {
      const judged = judgePeriodClaim(await checkTimeline(s), m)
      const claim = recordClaim(s, m)
      return claim ? { ...judged, evidence: [...(judged.evidence ?? []), claim] } : judged
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
