/**
 * read-outcome: waits for the device's final word on the last delivery, the way the profile
 * says it tells it: polling, server-sent events, a WebSocket, or (no outcome API) the version
 * identify reports once the device settled. How the wait ends is the kit's (kit/outcome.ts).
 */
import type { OutcomeConfig } from './profile.ts'
import { notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { waitForOutcome } from '../kit/outcome.ts'
import type { Ctx } from './context.ts'
import { identify } from './operations.ts'
import { statusText } from './request.ts'
import { readSse } from './sse.ts'
import { isOk, outcomeWait, readState, refusal, RETRY_MS } from './states.ts'
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

function poll(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'poll' }>): Promise<UpdateOutcome> {
  return waitForOutcome(outcomeWait(ctx, cfg), async (watch, wait) => {
    const answer = await ctx.client.exchange({ op: 'read-outcome', template: cfg.request, timeoutMs: wait.cap(ctx.client.timeoutFor('read-outcome')) })
    const refused = refusal(answer.status, answer.request)
    if (refused) throw refused
    if (isOk(answer.status)) return readState(watch, answer, cfg.extract)
    watch.heard(statusText(answer.status))
    return undefined
  })
}

/** No outcome API: after the device settled, the version identify reports is the outcome. */
function byVersion(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'version' }>): Promise<UpdateOutcome> {
  const noStates = { installed: [], rejected: [], pending: [] }
  const wait = outcomeWait(ctx, { timeoutMs: cfg.timeoutMs, intervalMs: RETRY_MS, settleMs: cfg.settleMs, states: noStates })
  return waitForOutcome(wait, async (_watch, until) => {
    const { version } = await identify(ctx, { timeoutMs: until.cap(ctx.client.timeoutFor('identify')), recordFailures: false })
    return { state: 'unknown', version }
  })
}
