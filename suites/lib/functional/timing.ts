// core's sleep: it lasts its full time by the wall clock, which a plain timer may not.
import { doublingPauses, sleep } from '../../../core/duration.ts'
import { updateServerTiming } from '../../../emulator/index.ts'
import type { Session } from './session.ts'

export { sleep }

/** Real milliseconds for a span of device time, as the profile's time scale compresses it. */
export function realMs(s: Session, deviceSeconds: number): number {
  return (deviceSeconds * 1000) / s.profile.timeScale
}

/**
 * How long to wait for the device to contact its update server by itself: one wait interval
 * (`waitInterval`, else the announced one) (in real time) and a half, bounded by the observation window.
 */
export function pollWaitMs(s: Session): number {
  const server = s.profile.updateServer
  const seconds = server ? updateServerTiming(server).waitSeconds : undefined
  const window = s.profile.observationSeconds * 1000
  return seconds === undefined ? window : Math.min(window, Math.max(1000, realMs(s, seconds) * 1.5))
}

/**
 * How often a wait for the device's next move (a download, a further check) looks at what it did:
 * a twentieth of the wait for its own check, so a device that polls fast is followed closely and
 * a daily poller is not watched in a busy loop.
 */
export function watchStepMs(s: Session): number {
  return Math.min(250, Math.max(10, Math.round(pollWaitMs(s) / 20)))
}

/**
 * The pauses between looks for something the device is about to show (a notice, a new version):
 * 10 ms, then doubling up to a watch step. What the device shows within milliseconds is seen, and
 * timed, within milliseconds; a device that takes longer is not asked more often than every step.
 */
export function lookPauses(s: Session): () => number {
  return doublingPauses(10, watchStepMs(s))
}

/**
 * How long to watch for something a setting should hold back (an installation, a notice), given
 * that the device took `measuredMs` to do it with the setting on: twice that, and at least what
 * the device's own reaction allows: a poll and a half where the lab cannot make it check now (it
 * may act at its next check), two watch steps where it can (it acts at once, or not at all; the
 * floor covers a measurement of a device that took only milliseconds).
 */
export function holdBackMs(s: Session, measuredMs: number): number {
  const floor = s.supportsAction('check-now') ? 2 * watchStepMs(s) : pollWaitMs(s)
  return Math.max(floor, 2 * measuredMs)
}

/**
 * How long a device may take to answer again after installing (it may restart): what its reboot
 * operation allows, else what the lab's bench gives it to come back after a restart.
 */
export function readyTimeoutMs(s: Session): number {
  const bench = s.profile.bench
  const step = [bench?.reboot, bench?.['power-cycle'], bench?.restore].find((b) => b && 'readyTimeoutMs' in b && b.readyTimeoutMs)
  return s.profile.operations.reboot?.readyTimeoutMs ?? (step && 'readyTimeoutMs' in step ? step.readyTimeoutMs : undefined) ?? 60_000
}
