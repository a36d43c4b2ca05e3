import { SimError } from './errors.ts'

/** Durations the IXIT promises, in device seconds. */
export const DEVICE_SECONDS = {
  /** "once every 24 hours" (IXIT 7-UpdMech UpdMech-Network, updateChecking). */
  checkPeriod: 86_400,
  /** "about two minutes after every boot". */
  bootCheckDelay: 120,
  /** "unavailable for about 30 seconds". */
  restart: 30,
  day: 86_400,
} as const

/** Spread of the periodic check, so that devices do not all contact the server at once. */
export const CHECK_JITTER = 0.03

/**
 * Device time runs `timeScale` times faster than real time, so days of device behaviour fit into
 * seconds of a test. Only the device's own schedule is scaled; the network (download timeouts)
 * runs at real speed, because the bytes do.
 */
export class DeviceClock {
  private readonly realStart: number
  private readonly deviceStart: number

  constructor(
    readonly timeScale: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!Number.isFinite(timeScale) || timeScale <= 0)
      throw new SimError('E_SIM_CONFIG', `timeScale must be a positive number, got ${timeScale}`)
    this.realStart = realNow()
    this.deviceStart = this.realStart
  }

  /** Device wall-clock time: starts at the real time of construction, then runs scaled. */
  now(): Date {
    return new Date(this.deviceStart + (this.realNow() - this.realStart) * this.timeScale)
  }

  /** Real milliseconds that `deviceSeconds` take. */
  realMs(deviceSeconds: number): number {
    return (deviceSeconds * 1000) / this.timeScale
  }

  /** `deviceSeconds` from now, in device time. */
  later(deviceSeconds: number): Date {
    return new Date(this.now().getTime() + deviceSeconds * 1000)
  }
}

/**
 * The timers of one power cycle. A restart cancels them all at once, the way a reboot ends every
 * scheduled job of the firmware.
 */
export class TimerGroup {
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(private readonly clock: DeviceClock) {}

  after(deviceSeconds: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, this.clock.realMs(deviceSeconds))
    this.timers.add(timer)
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}
