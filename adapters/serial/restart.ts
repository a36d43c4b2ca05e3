/**
 * reboot, factory-reset, restore: the command goes out (its pattern may match a line such as
 * "rebooting"; a device that goes down without saying so, prints boot chatter instead, or drops
 * off the port is doing what it was asked), then the kit waits until identify answers again.
 */
import { Deadline } from '../../core/duration.ts'
import { DutError, notDeclared } from '../../core/dut.ts'
import { missByCode } from '../kit/miss.ts'
import { restart as restartDevice, type RestartOp } from '../kit/ready.ts'
import type { Console } from './console.ts'
import { exchange } from './exchange.ts'
import { quietFor, ready } from './login.ts'
import { identify } from './operations.ts'

/** Before each identify attempt, wait (up to this long) for a pause in the boot chatter. */
const PAUSE_WAIT_MS = 1000
const PAUSE_MS = 100

export async function restart(c: Console, op: RestartOp): Promise<void> {
  const cfg = c.profile.operations[op]
  if (!cfg) throw notDeclared(op)
  // The port must be there to send the command; what happens after it was sent is the restart.
  await ready(c, op, Deadline.after(Math.max(1, cfg.timeoutMs ?? c.timeoutFor(op))))
  const probe = readinessProbe(c, op)
  await restartDevice({
    op,
    readyTimeoutMs: cfg.readyTimeoutMs,
    async command() {
      await exchange(c, op, cfg, { settle: false })
    },
    // Whatever the device does on its way down (silence, boot chatter, a vanished port) is a restart.
    goingDown: (err) => missByCode(err) !== undefined,
    asks: probe.asks,
    async probe(wait) {
      if (c.isOpen) await c.waitFor(op, () => quietFor(c, PAUSE_MS), wait.within(PAUSE_WAIT_MS))
      await probe.run(Math.max(1, wait.cap(c.timeoutFor('identify'))))
    },
    missOf: missByCode,
    note: (summary, detail) => c.transcript.note(op, summary, detail),
  })
}

/** identify, or where the profile has none, the console prompt answering an empty line. */
function readinessProbe(c: Console, op: RestartOp): { asks: string; run: (timeoutMs: number) => Promise<void> } {
  if (c.profile.operations.identify) {
    return {
      asks: 'identify',
      run: async (timeoutMs) => {
        await identify(c, { timeoutMs, record: false })
      },
    }
  }
  const prompt = c.cfg.prompt
  if (prompt) {
    return {
      asks: 'the prompt',
      run: async (timeoutMs) => {
        await exchange(c, 'identify', { send: '', expect: prompt }, { timeoutMs, record: false, settle: false })
      },
    }
  }
  throw new DutError(
    'E_DUT_NOT_DECLARED',
    op,
    `${op} needs identify (or adapter.prompt) in the DUT profile to tell when the device is back`,
  )
}
