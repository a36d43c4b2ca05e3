/** What the API-less modes' profiles share: the lab bench (relay, reflashing jig) and their waits. */
import type { BenchSection } from '../../profile/types.ts'
import { DEVICE_SECONDS } from '../clock.ts'
import type { ProfileInput } from '../profile.ts'

export const NAME = 'TS701-REF-1 reference DUT (simulated)'

/**
 * Real milliseconds a reading waits for the device's next report: longer than one check period
 * with its jitter, since a device that just reported says nothing new until it polls again.
 */
export function deviceWait(input: ProfileInput): number {
  return Math.max(10_000, Math.ceil(((DEVICE_SECONDS.checkPeriod * 1.1 + DEVICE_SECONDS.restart) * 1000) / input.timeScale))
}

/**
 * The lab bench: the relay power-cycles or switches off and on, the jig reflashes the baseline or
 * holds the reset pin.
 * `restarts`: the device has no reboot and no "check now" of its own either, so a lab power-cycles
 * it for both (its check after boot follows; a device without one checks at its next period).
 */
export function benchSection(input: ProfileInput, readyTimeoutMs: number, o: { restarts: boolean }): BenchSection {
  const step = (wire: string) => ({ command: { argv: ['bash', input.benchScript, wire], timeoutMs: 30_000 }, readyTimeoutMs })
  return {
    'power-cycle': step('power-cycle'),
    'power-off': step('power-off'),
    'power-on': step('power-on'),
    restore: step('reflash-baseline'),
    'factory-reset': step('factory-reset'),
    ...(o.restarts && { reboot: step('power-cycle'), 'check-now': step('power-cycle') }),
  }
}
