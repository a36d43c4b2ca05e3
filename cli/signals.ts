/**
 * Ctrl+C and SIGTERM during `ts701 run`. The first stops the run at a safe point: the worker
 * restores the device where the profile says how, the reports are written with the units
 * decided so far. The second stops at once: every process of the run is killed, and the
 * journal (fsync'd per unit) is what is left.
 */
import { INTERRUPT_EXIT, type RunInterrupt, type StopSignal } from '../harness/interrupt.ts'
import { killAllBelow } from '../harness/process-tree.ts'
import type { Output } from './output.ts'

/** Installs the handlers until the returned function is called. */
export function watchSignals(interrupt: RunInterrupt, io: Output, journal: string): () => void {
  const onSignal = (signal: StopSignal) => {
    if (interrupt.trigger(signal)) {
      io.err(`ts701: ${signal}: stopping the run at a safe point and writing the reports (again to stop at once)`)
      return
    }
    io.err(`ts701: stopping at once; the units decided so far are in ${journal} (ts701 report rebuilds the reports from it)`)
    killAllBelow(2_000)
    process.exit(INTERRUPT_EXIT[interrupt.signal ?? signal])
  }
  const onInt = () => onSignal('SIGINT')
  const onTerm = () => onSignal('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return () => {
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }
}
