import { Ts701Error } from '../core/errors.ts'

export type BaselineErrorCode =
  /** The file cannot be read: missing, a folder, too large, not UTF-8. */
  | 'E_BASELINE_READ'
  /** Not YAML (or JSON) at all. */
  | 'E_BASELINE_SYNTAX'
  /** YAML, but not shaped like a baseline (baseline/baseline.schema.json). */
  | 'E_BASELINE_SCHEMA'
  /** The baseline is written for another edition than the run assesses against. */
  | 'E_BASELINE_EDITION'
  /** An entry names a unit the edition does not have. */
  | 'E_BASELINE_UNIT'
  /** Two entries name the same unit, target and variant. */
  | 'E_BASELINE_DUPLICATE'
  /** An entry whose ticket is blank or still the placeholder `ts701 baseline` writes. */
  | 'E_BASELINE_TICKET'
  /** `ts701 baseline` would replace an existing file without --force. */
  | 'E_BASELINE_EXISTS'
  /** `ts701 baseline` was given a run a baseline cannot be taken from (an interrupted one). */
  | 'E_BASELINE_RUN'

/**
 * A baseline that cannot be used or written. The message is one line naming the file (with line
 * and column where the problem has one), because the CLI prints it as it is and exits 3.
 */
export class BaselineError extends Ts701Error {
  constructor(
    override readonly code: BaselineErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}
