/**
 * read-outcome: the exchange is repeated every `intervalMs` until its `state` group names a final
 * state (installed or rejected), or `timeoutMs` passes. A device that restarts while installing
 * may drop off the console for a while; how the wait ends is the kit's (kit/outcome.ts).
 *
 * `timeoutMs` of this operation is the whole wait; each poll gets the adapter's timeout for
 * read-outcome (`timeouts.operations['read-outcome']` or the default), within what is left.
 */
import { notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { missByCode } from '../kit/miss.ts'
import { waitForOutcome } from '../kit/outcome.ts'
import type { Console } from './console.ts'
import { exchange } from './exchange.ts'
import { group } from './operations.ts'

export async function readOutcome(c: Console): Promise<UpdateOutcome> {
  const cfg = c.profile.operations['read-outcome']
  if (!cfg) throw notDeclared('read-outcome')
  const wait = { timeoutMs: cfg.timeoutMs, intervalMs: cfg.intervalMs, states: cfg.states, where: `on ${c.label}`, missOf: missByCode }
  return waitForOutcome(wait, async (watch, until) => {
    const answer = await exchange(c, 'read-outcome', cfg, { timeoutMs: until.cap(c.timeoutFor('read-outcome')) })
    return watch.state(group(answer, 'read-outcome', cfg, 'state').trim(), () => ({
      version: answer.groups.version,
      detail: answer.groups.detail,
    }))
  })
}
