/**
 * read-outcome: the exchange is repeated every `intervalMs` until its `state` group names a final
 * state (installed or rejected), or `timeoutMs` passes: then the outcome is `unknown`, with what
 * was last seen. A device that restarts while installing may drop off the console for a while;
 * only a console that never answered during the whole wait makes it throw.
 *
 * `timeoutMs` of this operation is the whole wait; each poll gets the adapter's timeout for
 * read-outcome (`timeouts.operations['read-outcome']` or the default), within what is left.
 */
import type { OutcomeStates } from '../../profile/types.ts'
import { DutError, notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { sleep, type Console } from './console.ts'
import { exchange } from './exchange.ts'
import { group } from './operations.ts'

export async function readOutcome(c: Console): Promise<UpdateOutcome> {
  const cfg = c.profile.operations['read-outcome']
  if (!cfg) throw notDeclared('read-outcome')
  const started = Date.now()
  const deadline = started + cfg.timeoutMs
  const last: { unmapped?: string; pending?: string; problem?: string } = {}
  let answered = false
  let polls = 0
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    polls++
    try {
      const answer = await exchange(c, 'read-outcome', cfg, { timeoutMs: Math.min(c.timeoutFor('read-outcome'), remaining) })
      answered = true
      const raw = group(answer, 'read-outcome', cfg, 'state').trim()
      const state = mapState(raw, cfg.states)
      if (state === 'installed' || state === 'rejected') {
        const outcome: UpdateOutcome = { state }
        if (answer.groups.version !== undefined) outcome.version = answer.groups.version
        if (answer.groups.detail !== undefined) outcome.detail = answer.groups.detail
        return outcome
      }
      if (state === 'pending') {
        last.pending = raw
        delete last.unmapped
      } else {
        last.unmapped = raw
      }
      delete last.problem
    } catch (err) {
      if (!(err instanceof DutError) || err.code === 'E_DUT_REFUSED' || err.code === 'E_DUT_NOT_DECLARED') throw err
      if (err.code === 'E_DUT_PROTOCOL') answered = true
      last.problem = err.message.replace(/^read-outcome: /, '')
    }
    await sleep(Math.min(cfg.intervalMs, deadline - Date.now()))
  }
  if (!answered) {
    throw new DutError('E_DUT_UNREACHABLE', 'read-outcome', `no answer on ${c.label} during ${cfg.timeoutMs} ms (${polls} attempt${polls === 1 ? '' : 's'}${last.problem ? `; last: ${last.problem}` : ''})`)
  }
  return { state: 'unknown', detail: timeoutDetail(cfg.timeoutMs, last, cfg.states) }
}

export function mapState(raw: string, states: OutcomeStates): 'installed' | 'rejected' | 'pending' | undefined {
  if (states.installed.includes(raw)) return 'installed'
  if (states.rejected.includes(raw)) return 'rejected'
  if (states.pending.includes(raw)) return 'pending'
  return undefined
}

function timeoutDetail(timeoutMs: number, last: { unmapped?: string; pending?: string; problem?: string }, states: OutcomeStates): string {
  if (last.problem !== undefined) return `no final outcome within ${timeoutMs} ms (last answer: ${last.problem})`
  if (last.unmapped !== undefined) {
    const known = [...states.installed, ...states.rejected, ...states.pending].map((s) => `"${s}"`).join(', ')
    return `no final outcome within ${timeoutMs} ms: the device reported state "${last.unmapped}", which the profile does not map (known states: ${known})`
  }
  if (last.pending !== undefined) return `no final outcome within ${timeoutMs} ms (still "${last.pending}")`
  return `no final outcome within ${timeoutMs} ms`
}
