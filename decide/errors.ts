import { Ts701Error } from '../core/errors.ts'

export type DecideErrorCode =
  /** The assessment folder is missing, not a folder, or cannot be read. */
  | 'E_DECIDE_FOLDER'
  /** The decisions document does not parse or validate, or a new decision cannot be written into it. */
  | 'E_DECIDE_DECISIONS'
  /** The run folder given with --from has no readable result model or evidence log. */
  | 'E_DECIDE_RUN'

/**
 * The assessor workflow cannot start or go on. The message names the file and what is wrong with
 * it, because the CLI prints it as it is and the assessor fixes the file from it.
 */
export class DecideError extends Ts701Error {
  constructor(
    override readonly code: DecideErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}
