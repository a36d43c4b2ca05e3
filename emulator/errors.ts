import { Ts701Error } from '../core/errors.ts'

/**
 * The update-server emulator cannot run as configured: a route or template of the DUT profile is
 * wrong, the host is not a loopback address, the port is taken, a certificate does not load. The
 * message names the route or the address, so it can go into a report as it is.
 */
export class EmulatorConfigError extends Ts701Error {
  constructor(
    message: string,
    /** The route the problem is in, when it is in one. */
    readonly route?: string,
  ) {
    super('E_EMULATOR_CONFIG', message)
  }
}

/** The emulator was asked for something after `close` (a run that is stopping): not a lab fault. */
export class EmulatorClosedError extends Ts701Error {
  constructor() {
    super('E_EMULATOR_CLOSED', 'the update-server emulator is closed')
  }
}
