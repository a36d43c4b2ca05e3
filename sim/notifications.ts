import type { DeviceClock } from './clock.ts'
import type { FlawSet } from './flaws.ts'
import type { DeviceLog } from './log.ts'
import type { Settings } from './settings.ts'

export type NotificationKind = 'available' | 'security-required' | 'disruption'

export interface DeviceNotification {
  /** Device time, ISO 8601. */
  time: string
  kind: NotificationKind
  text: string
}

/** Texts as IXIT 7-UpdMech (userNotification) words them. */
export const NOTICE = {
  available: (version: string) => `Update available: version ${version}`,
  securityRequired: (version: string, risks: string | undefined) =>
    `Security update required: version ${version}. ${risks?.trim() || 'It fixes security vulnerabilities of the device.'}`,
  disruption: () => 'The device will restart to install the update and will be unavailable for about 30 seconds.',
} as const

/** What the web UI banner and the app's push notifications would show, as one list. */
export class Notifications {
  private items: DeviceNotification[] = []
  /** Called with every notification shown (the MQTT front end publishes it as an event). */
  onNotify: ((n: DeviceNotification) => void) | undefined

  constructor(
    private readonly clock: DeviceClock,
    private readonly settings: Settings,
    private readonly flaws: FlawSet,
    private readonly log: DeviceLog,
  ) {}

  /** Returns whether the user was told, so an undelivered reminder can be repeated later. */
  notify(kind: NotificationKind, text: string): boolean {
    if (this.flaws.has('no-notification')) {
      this.log.add('notify', `not shown (flaw no-notification): ${kind}`)
      return false
    }
    if (!this.settings.notificationAllowed()) {
      this.log.add('notify', `not shown (notifications off or postponed): ${kind}`)
      return false
    }
    const item: DeviceNotification = { time: this.clock.now().toISOString(), kind, text }
    this.items.push(item)
    this.log.add('notify', `${kind}: ${text}`)
    this.onNotify?.(item)
    return true
  }

  list(): DeviceNotification[] {
    return [...this.items]
  }

  clear(): void {
    this.items = []
  }
}
