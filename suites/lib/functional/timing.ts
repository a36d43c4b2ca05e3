import { setTimeout as sleep } from 'node:timers/promises'
import { durationSeconds } from '../../../core/duration.ts'
import type { Session } from './session.ts'

export { sleep }

/** Real milliseconds for a span of device time, as the profile's time scale compresses it. */
export function realMs(s: Session, deviceSeconds: number): number {
  return (deviceSeconds * 1000) / s.profile.timeScale
}

/**
 * How long to wait for the device to contact its update server by itself: one announced poll
 * interval (in real time) and a half, bounded by the observation window.
 */
export function pollWaitMs(s: Session): number {
  const announced = s.profile.updateServer?.pollInterval
  const seconds = announced ? durationSeconds(announced) : undefined
  const window = s.profile.observationSeconds * 1000
  return seconds === undefined ? window : Math.min(window, Math.max(1000, realMs(s, seconds) * 1.5))
}

/** How long a device may take to answer again after installing (it may restart). */
export function readyTimeoutMs(s: Session): number {
  return s.profile.operations.reboot?.readyTimeoutMs ?? 60_000
}
