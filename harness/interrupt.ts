/**
 * A run's interruption, as the layers below the command line see it: whether it came, which
 * signal, and when. The command line turns SIGINT/SIGTERM into `trigger`; the suite runner winds
 * the workers down on it; verdicts that arrive after `at` are not counted.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The exit codes of a shell for a process ended by the signal: 128 + its number. */
export const INTERRUPT_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 }

export class RunInterrupt {
  private got: { signal: StopSignal; at: number } | undefined
  private readonly listeners: Array<(signal: StopSignal) => void> = []

  get signal(): StopSignal | undefined {
    return this.got?.signal
  }

  /** When the interruption came (epoch ms). */
  get at(): number | undefined {
    return this.got?.at
  }

  /** Returns false when the run was interrupted already. */
  trigger(signal: StopSignal): boolean {
    if (this.got) return false
    this.got = { signal, at: Date.now() }
    for (const listener of this.listeners.splice(0)) listener(signal)
    return true
  }

  /** Called once, at once when the run is already interrupted. */
  onInterrupt(listener: (signal: StopSignal) => void): void {
    if (this.got) listener(this.got.signal)
    else this.listeners.push(listener)
  }
}
