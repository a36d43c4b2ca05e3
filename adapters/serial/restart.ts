/**
 * reboot, factory-reset, restore: the command goes out (its pattern may match a line such as
 * "rebooting"; a device that goes down without saying so, prints boot chatter instead, or drops
 * off the port is doing what it was asked), then ts701 waits until identify answers again.
 */
import { DutError, notDeclared, type Operation } from '../../core/dut.ts'
import { sleep, type Console } from './console.ts'
import { exchange } from './exchange.ts'
import { quietFor, ready } from './login.ts'
import { identify } from './operations.ts'

type RestartOp = Extract<Operation, 'reboot' | 'factory-reset' | 'restore'>

const RETRY_MS = 250
/** Before each identify attempt, wait (up to this long) for a pause in the boot chatter. */
const PAUSE_WAIT_MS = 1000
const PAUSE_MS = 100

export async function restart(c: Console, op: RestartOp): Promise<void> {
  const cfg = c.profile.operations[op]
  if (!cfg) throw notDeclared(op)
  // The port must be there to send the command; what happens after it was sent is the restart.
  await ready(c, op, Date.now() + Math.max(1, cfg.timeoutMs ?? c.timeoutFor(op)))
  try {
    await exchange(c, op, cfg, { settle: false })
  } catch (err) {
    if (!(err instanceof DutError) || !['E_DUT_TIMEOUT', 'E_DUT_PROTOCOL', 'E_DUT_UNREACHABLE'].includes(err.code)) throw err
    c.transcript.note(op, `${op}: the device did not confirm (${err.message.replace(`${op}: `, '')}); waiting for it to come back`, { event: 'restart-unconfirmed' })
  }
  await waitReady(c, op, cfg.readyTimeoutMs)
}

/** Tries identify every 250 ms until it answers, or `readyTimeoutMs`. */
export async function waitReady(c: Console, op: RestartOp, readyTimeoutMs: number): Promise<void> {
  const started = Date.now()
  const deadline = started + readyTimeoutMs
  const probe = readinessProbe(c, op)
  let attempts = 0
  let last: string | undefined
  for (;;) {
    await sleep(Math.min(RETRY_MS, deadline - Date.now()))
    if (deadline - Date.now() <= 0) break
    attempts++
    try {
      if (c.isOpen) await c.waitFor(op, () => quietFor(c, PAUSE_MS), Math.min(deadline, Date.now() + PAUSE_WAIT_MS))
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      await probe(Math.min(c.timeoutFor('identify'), remaining))
      const s = ((Date.now() - started) / 1000).toFixed(1)
      c.transcript.note(op, `${op}: the device answered again after ${s} s (${attempts} attempt${attempts === 1 ? '' : 's'})`, { event: 'ready', readyMs: Date.now() - started, attempts })
      return
    } catch (err) {
      if (!(err instanceof DutError) || err.code === 'E_DUT_REFUSED' || err.code === 'E_DUT_NOT_DECLARED') throw err
      last = err.message
    }
  }
  c.transcript.note(op, `${op}: the device did not answer again within ${readyTimeoutMs} ms (${attempts} attempts)`, { event: 'not-ready', attempts, ...(last ? { last } : {}) })
  throw new DutError('E_DUT_TIMEOUT', op, `the device did not answer identify again within ${readyTimeoutMs} ms${last ? ` (last: ${last})` : ''}`)
}

/** identify, or where the profile has none, the console prompt answering an empty line. */
function readinessProbe(c: Console, op: RestartOp): (timeoutMs: number) => Promise<void> {
  if (c.profile.operations.identify) {
    return async (timeoutMs) => {
      await identify(c, { timeoutMs, record: false })
    }
  }
  const prompt = c.cfg.prompt
  if (prompt) {
    return async (timeoutMs) => {
      await exchange(c, 'identify', { send: '', expect: prompt }, { timeoutMs, record: false, settle: false })
    }
  }
  throw new DutError('E_DUT_NOT_DECLARED', op, `${op} needs identify (or adapter.prompt) in the DUT profile to tell when the device is back`)
}
