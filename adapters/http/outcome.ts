/**
 * read-outcome: waits for the device's final word on the last delivery, the way the profile
 * says it tells it. Running out of time is an answer (`unknown`, with what was last seen), not an
 * error; only a device that could not be reached at all during the wait throws.
 */
import type { OutcomeConfig } from '../../profile/types.ts'
import { DutError, notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { sleep, type Ctx } from './context.ts'
import { identify } from './operations.ts'
import { statusText } from './request.ts'
import { readSse } from './sse.ts'
import { Reach, readState, timeoutDetail } from './states.ts'
import { readWebSocket } from './websocket.ts'

export async function readOutcome(ctx: Ctx): Promise<UpdateOutcome> {
  const cfg = ctx.profile.operations['read-outcome']
  if (!cfg) throw notDeclared('read-outcome')
  switch (cfg.mode) {
    case 'poll':
      return poll(ctx, cfg)
    case 'sse':
      return readSse(ctx, cfg)
    case 'websocket':
      return readWebSocket(ctx, cfg)
    case 'version':
      return byVersion(ctx, cfg)
  }
}

async function poll(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'poll' }>): Promise<UpdateOutcome> {
  const deadline = Date.now() + cfg.timeoutMs
  const reach = new Reach()
  const last: { unmapped?: string; pending?: string; problem?: string } = {}
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    try {
      const answer = await ctx.client.exchange({ op: 'read-outcome', template: cfg.request, timeoutMs: Math.min(ctx.client.timeoutFor('read-outcome'), remaining) })
      reach.answered = true
      if (answer.status === 401 || answer.status === 403) {
        throw new DutError('E_DUT_REFUSED', 'read-outcome', `the device refused ${answer.request} (${statusText(answer.status)}); check adapter.auth and the credentials`)
      }
      if (answer.status < 200 || answer.status >= 300) {
        last.problem = statusText(answer.status)
      } else {
        const reading = readState(answer, cfg.extract, cfg.states)
        if (reading.final) return reading.final
        if (reading.state === 'pending') {
          last.pending = reading.raw
          delete last.unmapped
        } else {
          last.unmapped = reading.raw
        }
      }
    } catch (err) {
      if (err instanceof DutError) throw err
      reach.failed(err)
      last.problem = reach.problem
    }
    await sleep(Math.min(cfg.intervalMs, deadline - Date.now()))
  }
  if (!reach.answered) throw reach.unreachable(ctx, cfg.timeoutMs)
  return { state: 'unknown', detail: timeoutDetail(cfg.timeoutMs, last, cfg.states) }
}

/** No outcome API: after the device settled, the version identify reports is the outcome. */
async function byVersion(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'version' }>): Promise<UpdateOutcome> {
  await sleep(cfg.settleMs)
  const deadline = Date.now() + cfg.timeoutMs
  const reach = new Reach()
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    try {
      const { version } = await identify(ctx, { timeoutMs: Math.min(ctx.client.timeoutFor('identify'), remaining), recordFailures: false })
      return { state: 'unknown', version }
    } catch (err) {
      if (err instanceof DutError && err.code === 'E_DUT_PROTOCOL') {
        reach.answered = true
        reach.problem = err.message
      } else if (err instanceof DutError) {
        throw err
      } else {
        reach.failed(err)
      }
    }
    await sleep(Math.min(250, deadline - Date.now()))
  }
  if (!reach.answered) throw reach.unreachable(ctx, cfg.timeoutMs)
  return { state: 'unknown', detail: `identify gave no version within ${cfg.timeoutMs} ms after the device settled (last answer: ${reach.problem})` }
}
