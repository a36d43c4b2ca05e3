/**
 * reboot, factory-reset, restore: the command is published (a confirmation the profile declares
 * is awaited, but a device going down without one, or taking its broker with it, is doing what
 * it was asked), then ts701 waits until identify answers again, asking every 250 ms.
 */
import { DutError, notDeclared, type Operation } from '../../core/dut.ts'
import { sleep } from '../http/context.ts'
import { ExtractError } from '../http/extract.ts'
import { exchange, type Ctx } from './exchange.ts'
import { MqttFailure } from './failure.ts'
import { identify } from './operations.ts'

type RestartOp = Extract<Operation, 'reboot' | 'factory-reset' | 'restore'>

/** Failures of the command itself that a restarting device may well cause. */
const GOING_DOWN = new Set(['no-reply', 'closed'])

export async function restart(ctx: Ctx, op: RestartOp): Promise<void> {
  const cfg = ctx.profile.operations[op]
  if (!cfg) throw notDeclared(op)
  if (!ctx.profile.operations.identify) {
    throw new DutError('E_DUT_NOT_DECLARED', op, `${op} waits until identify answers again, and operations.identify is not declared in the DUT profile`)
  }
  try {
    await exchange(ctx, op, cfg)
  } catch (err) {
    if (!(err instanceof MqttFailure && GOING_DOWN.has(err.kind))) throw err
    ctx.recorder.note(op, `no confirmation (${err.message}); waiting for the device to answer again`)
  }
  await waitReady(ctx, op, cfg.readyTimeoutMs)
}

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
      await identify(ctx, { timeoutMs: Math.min(ctx.link.timeoutFor('identify'), remaining) })
      const s = ((Date.now() - started) / 1000).toFixed(1)
      ctx.recorder.note(op, `the device answered identify again after ${s} s (${attempts} attempt${attempts === 1 ? '' : 's'})`, { readyMs: Date.now() - started, attempts })
      return
    } catch (err) {
      if (err instanceof DutError && (err.code === 'E_DUT_REFUSED' || err.code === 'E_DUT_NOT_DECLARED')) throw err
      if (err instanceof MqttFailure && err.kind === 'refused') throw err
      if (!(err instanceof MqttFailure || err instanceof DutError || err instanceof ExtractError)) throw err
      last = err.message
    }
  }
  ctx.recorder.note(op, `the device did not answer identify again within ${readyTimeoutMs} ms (${attempts} attempts)`, { attempts, ...(last ? { last } : {}) })
  throw new DutError('E_DUT_TIMEOUT', op, `the device did not answer identify again within ${readyTimeoutMs} ms${last ? ` (last: ${last})` : ''}`)
}
