/**
 * reboot, factory-reset, restore: the request is sent (a device that drops the connection while
 * going down is doing what it was asked), then the kit waits until identify answers again (any
 * HTTP answer to GET / where identify is not declared).
 */
import { notDeclared } from '../../core/dut.ts'
import { restart as restartDevice, type RestartOp } from '../kit/ready.ts'
import { httpMiss, type Ctx } from './context.ts'
import { ExchangeFailure } from './failure.ts'
import { identify } from './operations.ts'
import { expectOk } from './request.ts'

/** Failures of the request itself that a restarting device may well cause. */
const GOING_DOWN = new Set(['dropped', 'closed', 'malformed', 'timeout'])

export async function restart(ctx: Ctx, op: RestartOp): Promise<void> {
  const cfg = ctx.profile.operations[op]
  if (!cfg) throw notDeclared(op)
  const declared = ctx.profile.operations.identify !== undefined
  await restartDevice({
    op,
    readyTimeoutMs: cfg.readyTimeoutMs,
    async command() {
      expectOk(await ctx.client.exchange({ op, template: cfg.request }), op)
    },
    goingDown: (err) => err instanceof ExchangeFailure && GOING_DOWN.has(err.kind),
    asks: declared ? 'identify' : 'GET /',
    async probe(wait) {
      const timeoutMs = wait.cap(ctx.client.timeoutFor('identify'))
      if (declared) await identify(ctx, { timeoutMs, recordFailures: false })
      else await ctx.client.exchange({ op: 'identify', template: { method: 'GET', path: '/' }, timeoutMs, recordFailures: false })
    },
    missOf: httpMiss('identify'),
    note: (summary, detail) => ctx.client.note(op, summary, detail),
  })
}
