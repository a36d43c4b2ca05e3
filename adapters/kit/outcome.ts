/**
 * read-outcome on every channel: attempts (a poll, a stream or socket session, a wait for
 * messages) until one brings a final state, or the timeout. What a timed-out wait reads as is the
 * same everywhere:
 *
 * - the device answered at least once, but nothing final: `{ state: 'unknown', detail }`, the
 *   detail saying what it last said (an unmapped state first, it is the profile's to fix; then a
 *   pending state; then the last answer that could not be read). Running out of time is an answer,
 *   not an error: whether an image was installed is decided by the version identify reports, and
 *   an outcome API that lags must not make that observation impossible.
 * - the device never answered during the whole wait: DutError E_DUT_UNREACHABLE, saying where it
 *   was asked and the last attempt's failure. Then nothing was observed, and the unit cannot be
 *   decided on what this operation saw.
 *
 * Which failures of an attempt count as an answer, and which end the wait, is the rule of miss.ts.
 */
import type { OutcomeStates } from '../../profile/types.ts'
import { Deadline, sleep } from '../../core/duration.ts'
import { DutError, type UpdateOutcome } from '../../core/dut.ts'
import { problemOf, type Miss, type MissOf } from './miss.ts'

export type MappedState = 'installed' | 'rejected' | 'pending'

export function mapState(raw: string, states: OutcomeStates): MappedState | undefined {
  if (states.installed.includes(raw)) return 'installed'
  if (states.rejected.includes(raw)) return 'rejected'
  if (states.pending.includes(raw)) return 'pending'
  return undefined
}

/** What an attempt hands over with a final state, where the device says it. */
export interface FinalDetails {
  version?: string | undefined
  detail?: string | undefined
}

/** What the device said during the wait; attempts report to it as answers come. */
export class OutcomeWatch {
  answered = false
  private unmapped?: string
  private pending?: string
  private problem?: string

  constructor(private readonly states: OutcomeStates) {}

  /** A raw state the device reported: the final outcome it means, or undefined after noting it. */
  state(raw: string, details: () => FinalDetails = () => ({})): UpdateOutcome | undefined {
    this.answered = true
    const state = mapState(raw, this.states)
    if (state === 'installed' || state === 'rejected') {
      const { version, detail } = details()
      return { state, ...(version !== undefined && { version }), ...(detail !== undefined && { detail }) }
    }
    if (state === 'pending') {
      this.pending = raw
      this.unmapped = undefined
    } else {
      this.unmapped = raw
    }
    return undefined
  }

  /** The device answered, with nothing to read a state from (or said nothing more): `problem` says what. */
  heard(problem?: string): void {
    this.answered = true
    if (problem !== undefined) this.problem = problem
  }

  /** An attempt that failed the way `miss` says. */
  missed(miss: Miss, problem: string): void {
    if (miss === 'bad-answer') this.answered = true
    this.problem = problem
  }

  /** The reading of a wait that ran out: see the module comment. */
  timedOut(timeoutMs: number, where: string): UpdateOutcome {
    if (!this.answered) {
      throw new DutError(
        'E_DUT_UNREACHABLE',
        'read-outcome',
        `no answer ${where} during ${timeoutMs} ms${this.problem ? ` (last attempt: ${this.problem})` : ''}`,
      )
    }
    return { state: 'unknown', detail: this.detail(timeoutMs) }
  }

  private detail(timeoutMs: number): string {
    const head = `no final outcome within ${timeoutMs} ms`
    if (this.unmapped !== undefined) {
      const known = [...this.states.installed, ...this.states.rejected, ...this.states.pending].map((s) => `"${s}"`).join(', ')
      return `${head}: the device reported state "${this.unmapped}", which the profile does not map (known states: ${known})`
    }
    if (this.pending !== undefined) return `${head} (still "${this.pending}")`
    if (this.problem !== undefined) return `${head} (last answer: ${this.problem})`
    return head
  }
}

export interface OutcomeWait {
  timeoutMs: number
  /** Pause between attempts. */
  intervalMs: number
  /** Wait before the first attempt (a device settling after a delivery); the timeout starts after it. */
  settleMs?: number
  states: OutcomeStates
  /** Where the device was asked, completing "no answer … during": `from http://…`, `on /dev/ttyUSB0`. */
  where: string
  missOf: MissOf
}

/**
 * One attempt: reports what the device says to `watch`, resolves with the final outcome when one
 * came (undefined otherwise), and throws what failed; it must end by `wait`.
 */
export type OutcomeAttempt = (watch: OutcomeWatch, wait: Deadline) => Promise<UpdateOutcome | undefined>

/**
 * The longest pause between attempts that found no device, unless the profile's interval is
 * longer: a device that restarts (or is gone) is asked less often the longer it stays away, as
 * ready.ts asks it, rather than at a pace meant for one that answers.
 */
const MISS_PAUSE_MS = 250

export async function waitForOutcome(o: OutcomeWait, attempt: OutcomeAttempt): Promise<UpdateOutcome> {
  if (o.settleMs) await sleep(o.settleMs)
  const wait = Deadline.after(o.timeoutMs)
  const watch = new OutcomeWatch(o.states)
  let pause = o.intervalMs
  while (!wait.expired) {
    try {
      const final = await attempt(watch, wait)
      if (final) return final
      pause = o.intervalMs
    } catch (err) {
      const miss = o.missOf(err)
      if (!miss) throw err
      watch.missed(miss, problemOf(err))
      pause = Math.max(o.intervalMs, Math.min(MISS_PAUSE_MS, pause * 2))
    }
    await wait.sleep(pause)
  }
  return watch.timedOut(o.timeoutMs, o.where)
}
