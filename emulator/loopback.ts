import { LOOPBACK_RULE, loopbackAddress } from '../core/loopback.ts'
import { EmulatorConfigError } from './errors.ts'

/**
 * The address the emulator listens on. The profile loader accepts a host by the same rule, so a
 * host that passes `ts701 lint` always gives an address the emulator can bind.
 */
export function loopbackHost(host: unknown): string {
  if (typeof host !== 'string' || host === '') throw new EmulatorConfigError('update server host is missing')
  const address = loopbackAddress(host)
  if (address === undefined)
    throw new EmulatorConfigError(`update server host ${JSON.stringify(host)} is not a loopback address; ${LOOPBACK_RULE}`)
  return address
}

/** `127.0.0.1:8702`, `[::1]:8702`: as in a URL. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}
