/**
 * Time: the deadlines every wait of ts701 runs against, and ISO-8601 durations. A wait computes
 * nothing from `Date.now()` itself; it asks its Deadline, so no wait overshoots the time it had.
 */

/** One timer: it may fire a millisecond early as Date.now() sees it (Node rounds its loop time). */
const timer = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Until the sockets have been read once. A process held up (a loaded machine) runs its due timers
 * before it reads what came meanwhile: a wait that ends by a timer takes this one pass more, so
 * what the device had sent by the end of the wait is seen before the wait is judged over.
 */
const polled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Node's longest timer; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

/**
 * The timer of every "nothing came within the time" decision: as `setTimeout`, but `fn` runs only
 * after the sockets were read once more (see `polled`), so an answer that came in time is not
 * ruled out because the process was held up. `clear` cancels it at either step.
 */
export class WaitTimer {
  private readonly timer: NodeJS.Timeout
  private immediate: NodeJS.Immediate | undefined
  private cleared = false

  constructor(ms: number, fn: () => void) {
    const fire = () => {
      if (!this.cleared) fn()
    }
    this.timer = setTimeout(() => (this.immediate = setImmediate(fire)), Math.min(MAX_TIMER_MS, Math.max(0, ms)))
  }

  clear(): void {
    this.cleared = true
    clearTimeout(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
  }
}

/**
 * Pauses that start at `first` and double up to `most`: a device that is quick is seen quickly, a
 * slow one is not asked more often than every `most`.
 */
export function doublingPauses(first: number, most: number): () => number {
  let pause = Math.min(first, most)
  return () => {
    const now = pause
    pause = Math.min(most, pause * 2)
    return now
  }
}

/** Waits at least `ms` by the wall clock: a verdict that says the device was watched for `ms` must hold. */
export const sleep = (ms: number): Promise<void> => Deadline.after(ms).sleep()

export class Deadline {
  private constructor(
    /** The time the deadline was set for, in ms: what messages quote ("within 500 ms"). */
    readonly timeoutMs: number,
    private readonly at: number,
    private readonly started: number,
  ) {}

  /** The deadline `timeoutMs` from now. */
  static after(timeoutMs: number): Deadline {
    const now = Date.now()
    const ms = Math.max(0, timeoutMs)
    return new Deadline(ms, now + ms, now)
  }

  /** Milliseconds left, never negative. */
  remaining(): number {
    return Math.max(0, this.at - Date.now())
  }

  get expired(): boolean {
    return this.remaining() <= 0
  }

  /** Milliseconds since the deadline was set. */
  elapsed(): number {
    return Date.now() - this.started
  }

  /** A step's own timeout within this deadline: `ms`, or what is left when that is less. */
  cap(ms: number): number {
    return Math.min(ms, this.remaining())
  }

  /** The sooner of this deadline and one `ms` from now. */
  within(ms: number): Deadline {
    return Deadline.after(this.cap(ms))
  }

  /**
   * Sleeps `max` ms, or until the deadline when that comes first. A timer may fire a moment
   * early; a sleep to the deadline ends with the deadline expired, so a wait never starts one
   * more attempt with a millisecond left.
   */
  async sleep(max: number = Number.POSITIVE_INFINITY): Promise<void> {
    const until = Math.min(Date.now() + Math.max(0, max), this.at)
    while (Date.now() < until) await timer(until - Date.now())
    await polled()
  }

  /** `work`, or what `onTimeout` returns (or throws) when the deadline passes first. */
  async race<T, U>(work: Promise<T>, onTimeout: () => U): Promise<T | U> {
    // The losing side must not become an unhandled rejection.
    work.catch(() => {})
    let timer: WaitTimer | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = new WaitTimer(this.remaining(), () => resolve('timeout'))
    })
    try {
      const first = await Promise.race([work.then((value) => ({ value })), timeout])
      return first === 'timeout' ? onTimeout() : first.value
    } finally {
      timer?.clear()
    }
  }
}

/**
 * ISO-8601 durations (`P1D`, `PT6H`, `P1Y2M3W4DT5H6M7.5S`, `PT0,5M`) in seconds, with nominal
 * lengths: a year is 365 days, a month 30 days, a week 7 days, a day 86 400 seconds. The result
 * compares periods (poll intervals announced to devices, periods a supplier claims); it does not
 * schedule anything on a calendar.
 */
const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`
const DURATION = new RegExp(
  `^P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
)
const UNIT_SECONDS = [365 * 86_400, 30 * 86_400, 7 * 86_400, 86_400, 3_600, 60, 1] as const

/** Seconds of the duration, or `undefined` when the text is not an ISO-8601 duration. */
export function durationSeconds(text: string): number | undefined {
  const trimmed = text.trim()
  const m = DURATION.exec(trimmed)
  if (!m) return undefined
  const parts = m.slice(1)
  if (parts.every((p) => p === undefined)) return undefined // `P` or `PT` alone
  if (trimmed.endsWith('T')) return undefined // `P1DT`: a T needs a time part after it
  const seconds = parts.reduce((sum, p, i) => (p === undefined ? sum : sum + Number(p.replace(',', '.')) * UNIT_SECONDS[i]!), 0)
  // Fractions such as PT0.1S must not come out as 0.10000000000000001.
  return Math.round(seconds * 1000) / 1000
}

/**
 * Seconds in the unit a person reads best: `0.4 s`, `2.0 min`, `3.5 h`, `1.00 days`. Reasons quote
 * durations this way whatever the device's time scale, beside the IXIT's own ISO text.
 */
export function naturalDuration(seconds: number): string {
  const abs = Math.abs(seconds)
  if (abs < 120) return `${seconds.toFixed(abs < 10 ? 1 : 0)} s`
  if (abs < 120 * 60) return `${(seconds / 60).toFixed(1)} min`
  if (abs < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`
  return `${(seconds / 86_400).toFixed(2)} days`
}
