import { DEVICE_SECONDS, type DeviceClock } from './clock.ts'
import { SimError } from './errors.ts'
import type { FlawSet } from './flaws.ts'

export interface SettingsView {
  autoUpdate: boolean
  notifications: boolean
  /** Automatic installation is postponed until then (device time). */
  postponedUntil?: string
  notificationsPostponedUntil?: string
}

/** The longest postponement accepted; the web UI offers 1, 3 or 7 days. */
export const MAX_POSTPONE_DAYS = 30

/**
 * The user's update settings. They survive reboots and updates; a factory reset restores the
 * initialized state (IXIT 7-UpdMech, configuration).
 */
export class Settings {
  autoUpdate = true
  notifications = true
  updatePostponedUntil: Date | undefined
  notificationsPostponedUntil: Date | undefined
  /** Until the user answers the consent question of initialization (first boot, and after every factory reset). */
  setupPending = true
  /** Called after every change (the MQTT front end republishes its state topic). */
  onChange: (() => void) | undefined

  /**
   * `awaitsConsent`: automatic updates stay off until the user consents during initialization, as
   * on devices that ask instead of preselecting; otherwise the preselected answer is consent.
   */
  constructor(
    private readonly clock: DeviceClock,
    private readonly flaws: FlawSet,
    private readonly awaitsConsent = false,
  ) {
    this.reset()
  }

  reset(): void {
    this.autoUpdate = !this.awaitsConsent && !this.flaws.has('auto-update-off-by-default')
    this.setupPending = true
    this.notifications = !this.flaws.has('notifications-off-by-default')
    this.updatePostponedUntil = undefined
    this.notificationsPostponedUntil = undefined
    this.onChange?.()
  }

  view(): SettingsView {
    const now = this.clock.now()
    const until = (d: Date | undefined) => (d && d > now ? d.toISOString() : undefined)
    const postponedUntil = until(this.updatePostponedUntil)
    const notificationsPostponedUntil = until(this.notificationsPostponedUntil)
    return {
      autoUpdate: this.autoUpdate,
      notifications: this.notifications,
      ...(postponedUntil ? { postponedUntil } : {}),
      ...(notificationsPostponedUntil ? { notificationsPostponedUntil } : {}),
    }
  }

  /** Applies a partial settings object; unknown keys are refused so a typo is not a silent no-op. */
  apply(body: unknown): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new SimError('E_SIM_BAD_REQUEST', 'settings must be a JSON object')
    const changes = body as Record<string, unknown>
    for (const [key, value] of Object.entries(changes)) {
      if (key !== 'autoUpdate' && key !== 'notifications')
        throw new SimError('E_SIM_BAD_REQUEST', `unknown setting ${key}; settable: autoUpdate, notifications`)
      if (typeof value !== 'boolean') throw new SimError('E_SIM_BAD_REQUEST', `${key} must be true or false`)
    }
    if (typeof changes.autoUpdate === 'boolean') this.autoUpdate = changes.autoUpdate
    if (typeof changes.notifications === 'boolean') this.notifications = changes.notifications
    this.onChange?.()
  }

  /** The user's answer to initialization's question on automatic updates; asked only until answered. */
  answerConsent(body: unknown): void {
    const consent = (body as { automaticUpdates?: unknown } | null)?.automaticUpdates
    if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof consent !== 'boolean')
      throw new SimError('E_SIM_BAD_REQUEST', 'the answer must be {"automaticUpdates": true|false}')
    if (!this.setupPending)
      throw new SimError('E_SIM_SETUP_DONE', 'initialization is complete: consent is asked again only after a factory reset')
    this.autoUpdate = consent && !this.flaws.has('auto-update-off-by-default')
    this.setupPending = false
    this.onChange?.()
  }

  postponeUpdates(days: unknown): Date {
    this.updatePostponedUntil = this.clock.later(checkDays(days) * DEVICE_SECONDS.day)
    this.onChange?.()
    return this.updatePostponedUntil
  }

  postponeNotifications(days: unknown): Date {
    this.notificationsPostponedUntil = this.clock.later(checkDays(days) * DEVICE_SECONDS.day)
    this.onChange?.()
    return this.notificationsPostponedUntil
  }

  /** Whether the device may install an update without asking; the two flaws ignore the user's choice here. */
  automaticInstallAllowed(): boolean {
    const off = !this.autoUpdate && !this.flaws.has('disable-ignored')
    const postponed = this.isPostponed(this.updatePostponedUntil) && !this.flaws.has('postpone-ignored')
    return !off && !postponed
  }

  /**
   * Both the switch and a postponement cover every kind, the restart notice included: "not now"
   * means no new notifications. A pending update's reminder is shown again after the
   * postponement; a restart notice belongs to its moment and is not.
   */
  notificationAllowed(): boolean {
    return this.notifications && !this.isPostponed(this.notificationsPostponedUntil)
  }

  private isPostponed(until: Date | undefined): boolean {
    return until !== undefined && until > this.clock.now()
  }
}

export function checkDays(days: unknown): number {
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > MAX_POSTPONE_DAYS) {
    throw new SimError('E_SIM_BAD_REQUEST', `days must be a number greater than 0 and at most ${MAX_POSTPONE_DAYS}`)
  }
  return days
}
