/**
 * reboot, factory-reset, restore: the command is published (a confirmation the profile declares
 * is awaited, but a device going down without one, or taking its broker with it, is doing what
 * it was asked), then the kit waits until identify answers again.
 */
import { DutError, notDeclared } from '../../core/dut.ts'
import { restart as restartDevice, type RestartOp } from '../kit/ready.ts'
import { exchange, type Ctx } from './exchange.ts'
import { MqttFailure, mqttMiss } from './failure.ts'
import { identify } from './operations.ts'

/** Failures of the command itself that a restarting device may well cause. */
const GOING_DOWN = new Set(['no-reply', 'closed'])

export async function restart(ctx: Ctx, op: RestartOp): Promise<void> {
  const cfg = ctx.profile.operations[op]
  if (!cfg) throw notDeclared(op)
  if (!ctx.profile.operations.identify) {
    throw new DutError(
      'E_DUT_NOT_DECLARED',
      op,
      `${op} waits until identify answers again, and operations.identify is not declared in the DUT profile`,
    )
  }
  await restartDevice({
    op,
    readyTimeoutMs: cfg.readyTimeoutMs,
    async command() {
      await exchange(ctx, op, cfg)
    },
    goingDown: (err) => err instanceof MqttFailure && GOING_DOWN.has(err.kind),
    asks: 'identify',
    async probe(wait) {
      await identify(ctx, { timeoutMs: wait.cap(ctx.link.timeoutFor('identify')) })
    },
    missOf: mqttMiss('identify'),
    note: (summary, detail) => ctx.recorder.note(undefined, summary, { operation: op, ...detail }),
  })
}
