/**
 * read-outcome: waits for the device's final word on the last delivery, the way the profile
 * says it tells it: polling, server-sent events, a WebSocket, or (no outcome API) the version
 * identify reports once the device settled. How the wait ends is the kit's (kit/outcome.ts).
 * A stream is subscribed to when the delivery starts (subscribeOutcome), so a verdict the device
 * sends before read-outcome is asked is not lost.
 */
import type { OutcomeConfig } from './profile.ts'
import { sleep } from '../../core/duration.ts'
import { notDeclared, type UpdateOutcome } from '../../core/dut.ts'
import { waitForOutcome } from '../kit/outcome.ts'
import type { Ctx } from './context.ts'
import { identify } from './operations.ts'
import { statusText } from './request.ts'
import { openSse } from './sse.ts'
import { isOk, outcomeWait, readState, refusal, RETRY_MS } from './states.ts'
import { readStream, type OpenStream } from './stream.ts'
import { openWebSocket } from './websocket.ts'

/**
 * After a stream opened, how long what the device sends is still taken as a greeting: many send
 * their current state to a new subscriber, and before a delivery that is the last delivery's.
 */
const GREETING_MS = 50

export async function readOutcome(ctx: Ctx): Promise<UpdateOutcome> {
  const cfg = ctx.profile.operations['read-outcome']
  if (!cfg) throw notDeclared('read-outcome')
  switch (cfg.mode) {
    case 'poll':
      return poll(ctx, cfg)
    case 'sse':
    case 'websocket':
      return readStream(ctx, cfg, opener(ctx, cfg))
    case 'version':
      return byVersion(ctx, cfg)
  }
}

function opener(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'sse' | 'websocket' }>): OpenStream {
  return cfg.mode === 'sse' ? (ms) => openSse(ctx, cfg, ms) : (ms) => openWebSocket(ctx, cfg, ms)
}

/**
 * When a delivery starts: read-outcome on a stream subscribes now, and keeps what the device says
 * from the delivery on. The subscription stands (or has failed) before the image goes out; what
 * came until then is set aside. A subscription that fails is read-outcome's to report.
 */
export async function subscribeOutcome(ctx: Ctx): Promise<void> {
  ctx.subscribed?.close('a new delivery started')
  ctx.subscribed = undefined
  const cfg = ctx.profile.operations['read-outcome']
  if (cfg?.mode !== 'sse' && cfg?.mode !== 'websocket') return
  const stream = opener(ctx, cfg)(ctx.client.timeoutFor('read-outcome'))
  ctx.subscribed = stream
  await stream.whenSettled()
  if (!stream.opened) return
  // The sleep ends after the sockets were read (core/duration.ts): a greeting that came during the
  // window is set aside even when the process was held up past it.
  await sleep(GREETING_MS)
  const before = stream.discardMessages()
  if (before > 0) {
    ctx.client.note(
      'read-outcome',
      `${before} message${before === 1 ? '' : 's'} on the outcome stream came before the delivery; not read as its outcome`,
      { event: 'before-delivery', messages: before },
    )
  }
}

function poll(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'poll' }>): Promise<UpdateOutcome> {
  return waitForOutcome(outcomeWait(ctx, cfg), async (watch, wait) => {
    const answer = await ctx.client.exchange({
      op: 'read-outcome',
      template: cfg.request,
      timeoutMs: wait.cap(ctx.client.timeoutFor('read-outcome')),
    })
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
