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
  | 'E_SIM_PORT'

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

/**
 * A port the simulated device was told to listen on cannot be had: something else holds it, or
 * this user may not bind it. A fault of the lab's set-up, not of ts701: the command says which
 * port and which option moves it.
 */
export class SimPortError extends SimError {
  constructor(
    readonly port: number,
    readonly reason: 'EADDRINUSE' | 'EACCES',
    readonly option?: string,
  ) {
    const why = reason === 'EADDRINUSE' ? 'is already in use' : 'may not be bound by this user'
    super('E_SIM_PORT', `port ${port} ${why}${option ? `; free it or choose another with ${option}` : ''}`)
  }
}

/** `err` as a SimPortError when it is a failed bind; `options` maps a port to the option that set it. */
export function portError(err: unknown, options: ReadonlyMap<number, string> = new Map()): SimPortError | undefined {
  const e = err as { code?: unknown; port?: unknown; syscall?: unknown } | null
  if (e === null || typeof e !== 'object' || (e.code !== 'EADDRINUSE' && e.code !== 'EACCES')) return undefined
  if (typeof e.port !== 'number') return undefined
  return new SimPortError(e.port, e.code, options.get(e.port))
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
