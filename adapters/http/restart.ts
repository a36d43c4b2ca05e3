/**
 * reboot, factory-reset, restore: the request is sent (a device that drops the connection while
 * going down is doing what it was asked), then ts701 waits until identify answers again.
 */
import { DutError, notDeclared, type Operation } from '../../core/dut.ts'
import { sleep, type Ctx } from './context.ts'
import { ExtractError } from './extract.ts'
import { ExchangeFailure } from './failure.ts'
import { identify } from './operations.ts'
import { expectOk } from './request.ts'

type RestartOp = Extract<Operation, 'reboot' | 'factory-reset' | 'restore'>

/** Failures of the request itself that a restarting device may well cause. */
const GOING_DOWN = new Set(['dropped', 'closed', 'malformed', 'timeout'])

export async function restart(ctx: Ctx, op: RestartOp): Promise<void> {
  const cfg = ctx.profile.operations[op]
  if (!cfg) throw notDeclared(op)
  try {
    const answer = await ctx.client.exchange({ op, template: cfg.request })
    expectOk(answer, op)
  } catch (err) {
    if (!(err instanceof ExchangeFailure && GOING_DOWN.has(err.kind))) throw err
  }
  await waitReady(ctx, op, cfg.readyTimeoutMs)
}

/** Polls identify every 250 ms (any HTTP answer to GET / where identify is not declared). */
export async function waitReady(ctx: Ctx, op: RestartOp, readyTimeoutMs: number): Promise<void> {
  const started = Date.now()
  const deadline = started + readyTimeoutMs
  let attempts = 0
  let last: string | undefined
  for (;;) {
    await sleep(Math.min(250, deadline - Date.now()))
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    attempts++
    try {
      await answersAgain(ctx, Math.min(ctx.client.timeoutFor('identify'), remaining))
      const s = ((Date.now() - started) / 1000).toFixed(1)
      ctx.client.note(op, `${op}: the device answered again after ${s} s (${attempts} attempt${attempts === 1 ? '' : 's'})`, { readyMs: Date.now() - started, attempts })
      return
    } catch (err) {
      if (err instanceof DutError && (err.code === 'E_DUT_REFUSED' || err.code === 'E_DUT_NOT_DECLARED')) throw err
      if (!(err instanceof ExchangeFailure || err instanceof DutError || err instanceof ExtractError)) throw err
      last = err.message
    }
  }
  ctx.client.note(op, `${op}: the device did not answer again within ${readyTimeoutMs} ms (${attempts} attempts)`, { attempts, ...(last ? { last } : {}) })
  throw new DutError('E_DUT_TIMEOUT', op, `the device did not answer identify again within ${readyTimeoutMs} ms${last ? ` (last: ${last})` : ''}`)
}

async function answersAgain(ctx: Ctx, timeoutMs: number): Promise<void> {
  if (ctx.profile.operations.identify) {
    await identify(ctx, { timeoutMs, recordFailures: false })
    return
  }
  await ctx.client.exchange({ op: 'identify', template: { method: 'GET', path: '/' }, timeoutMs, recordFailures: false })
}
