import { Ts701Error } from '../core/errors.ts'

export type BenchErrorCode =
  /** The command could not be started: no such program, no such working directory. */
  | 'E_BENCH_COMMAND'
  /** The command ran and exited unsuccessfully (non-zero exit or a signal). */
  | 'E_BENCH_FAILED'
  /** The command, or the operator, took longer than the profile allows. */
  | 'E_BENCH_TIMEOUT'
  /** A manual step, and no terminal to ask an operator on (CI, a piped run). */
  | 'E_BENCH_NO_OPERATOR'
  /** The operator answered that the step cannot be done. */
  | 'E_BENCH_DECLINED'
  /** The profile declares no way to do the action. */
  | 'E_BENCH_NOT_DECLARED'
  /** After a restart the bench did, the device showed no sign of life in time. */
  | 'E_BENCH_NOT_BACK'

/**
 * A bench action (a lab command, a manual step) that could not be done. The message is written for
 * the report: the unit that needed the action becomes INCONCLUSIVE with it as its reason.
 */
export class BenchError extends Ts701Error {
  constructor(
    override readonly code: BenchErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}
