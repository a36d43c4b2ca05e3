import { Ts701Error } from '../core/errors.ts'

export type SimErrorCode =
  | 'E_SIM_UNKNOWN_FLAW'
  | 'E_SIM_CONFIG'
  | 'E_SIM_NOT_LOOPBACK'
  | 'E_SIM_BAD_REQUEST'
  | 'E_SIM_BUSY'
  | 'E_SIM_RESTARTING'
  | 'E_SIM_NO_PENDING'
  | 'E_SIM_SETUP_DONE'
  | 'E_SIM_TOO_LARGE'
  | 'E_SIM_CHECK'
  | 'E_SIM_DOWNLOAD'
  | 'E_SIM_REJECTED'
  | 'E_SIM_INSTALL'
  | 'E_SIM_TRANSFER'

/**
 * Everything the simulated device refuses or fails at on purpose. The code travels into API
 * answers and the device log, so tests and the harness match on it rather than on wording.
 */
export class SimError extends Ts701Error {
  constructor(
    override readonly code: SimErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}

export class UnknownFlawError extends SimError {
  constructor(
    readonly unknown: string[],
    readonly known: readonly string[],
  ) {
    super('E_SIM_UNKNOWN_FLAW', `unknown flaw${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; known flaws: ${known.join(', ')}`)
  }
}

/** The code of any error, for logs and API answers; foreign errors keep their own code if they have one. */
export function errorCode(err: unknown): string {
  if (err instanceof Ts701Error) return err.code
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'E_SIM_INTERNAL'
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
