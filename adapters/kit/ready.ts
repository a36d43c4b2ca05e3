/**
 * reboot, factory-reset, restore on every channel: the command goes out (a device that goes down
 * before confirming it is doing what it was asked), then the channel's probe is tried until the
 * device answers again, or the ready timeout: 50 ms after the command, then at doubling pauses up
 * to one every 250 ms. A device back within a blink is not kept waiting a quarter second, and one
 * that takes half a minute is asked no more often than before. Which failures of the probe are
 * waited past is the rule of miss.ts, the same on every channel.
 */
import { Deadline, doublingPauses } from '../../core/duration.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import { problemOf, type Miss, type MissOf } from './miss.ts'

export type RestartOp = Extract<Operation, 'reboot' | 'factory-reset' | 'restore'>

const FIRST_MS = 50
const RETRY_MS = 250

/** Records one evidence note on the channel; `summary` is complete (it starts with the operation). */
export type Note = (summary: string, detail: Record<string, unknown>) => void

export interface Readiness {
  op: RestartOp
  readyTimeoutMs: number
  /** What the probe asks, for the failure message: `identify`, `the prompt`. */
  asks: string
  /** One "does it answer?" attempt within the wait; resolves once the device answered. */
  probe(wait: Deadline): Promise<void>
  missOf: MissOf
  note: Note
}

export interface Restart extends Readiness {
  /** Sends the restart command and awaits its confirmation, where the channel has one. */
  command(): Promise<void>
  /** Failures of the command itself that a device going down causes; they are noted, not thrown. */
  goingDown(err: unknown): boolean
}

export async function restart(r: Restart): Promise<void> {
  try {
    await r.command()
  } catch (err) {
    if (!r.goingDown(err)) throw err
    r.note(`${r.op}: the device did not confirm (${problemOf(err)}); waiting for it to answer again`, { event: 'restart-unconfirmed' })
  }
  await waitUntilAnswering(r)
}

export async function waitUntilAnswering(r: Readiness): Promise<void> {
  const wait = Deadline.after(r.readyTimeoutMs)
  let attempts = 0
  let last: { miss: Miss; problem: string } | undefined
  const pause = doublingPauses(FIRST_MS, RETRY_MS)
  for (;;) {
    await wait.sleep(pause())
    if (wait.expired) break
    attempts++
    try {
      await r.probe(wait)
      const s = (wait.elapsed() / 1000).toFixed(1)
      r.note(`${r.op}: the device answered again after ${s} s (${attempts} attempt${attempts === 1 ? '' : 's'})`, {
        event: 'ready',
        readyMs: wait.elapsed(),
        attempts,
      })
      return
    } catch (err) {
      const miss = r.missOf(err)
      if (!miss) throw err
      // A probe the end of the wait cut short and that heard nothing says less than the answer the
      // device gave before it: a garbage-answering device is named by its garbage, also under load.
      const cutShort = miss === 'no-answer' && wait.expired
      if (!(cutShort && last?.miss === 'bad-answer')) last = { miss, problem: problemOf(err) }
    }
  }
  r.note(`${r.op}: the device did not answer again within ${r.readyTimeoutMs} ms (${attempts} attempts)`, {
    event: 'not-ready',
    attempts,
    ...(last ? { last: last.problem } : {}),
  })
  throw new DutError(
    'E_DUT_TIMEOUT',
    r.op,
    `the device did not answer ${r.asks} again within ${r.readyTimeoutMs} ms${last ? ` (last: ${last.problem})` : ''}`,
  )
}
