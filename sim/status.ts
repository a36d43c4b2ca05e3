import type { DeviceClock } from './clock.ts'

export type UpdateState = 'idle' | 'checking' | 'downloading' | 'verifying' | 'installed' | 'rejected' | 'pending-user'
type Busy = 'checking' | 'downloading' | 'verifying'
type Final = 'idle' | 'installed' | 'rejected' | 'pending-user'

export interface StatusView {
  state: UpdateState
  /** The running firmware version. */
  version: string
  detail?: string
  /** Counts final outcomes, so a reader can tell a new outcome from a stale one. */
  attempt: number
  /** Device time of the last final outcome. */
  time?: string
  lastCheck?: { time: string; result: 'offer' | 'none' | 'failed'; detail?: string }
}

/**
 * `GET /api/update/status`. Busy states show while work is under way; otherwise the outcome of the
 * last update attempt. A check that finds nothing new is not an attempt and does not overwrite
 * it: the check right after the restart into a new version must not hide that it was installed.
 */
export class UpdateStatus {
  private busy: { state: Busy; detail?: string } | undefined
  private final: { state: Final; detail?: string; time?: string } = { state: 'idle' }
  private attempts = 0
  private check: StatusView['lastCheck']
  /** Called after every change of what `view` shows (front ends publish it as an event). */
  onChange: (() => void) | undefined

  constructor(private readonly clock: DeviceClock) {}

  working(state: Busy, detail?: string): void {
    this.busy = { state, ...(detail ? { detail } : {}) }
    this.onChange?.()
  }

  done(): void {
    if (!this.busy) return
    this.busy = undefined
    this.onChange?.()
  }

  settle(state: Final, detail?: string): void {
    this.busy = undefined
    this.attempts += 1
    this.final = { state, time: this.clock.now().toISOString(), ...(detail ? { detail } : {}) }
    this.onChange?.()
  }

  checked(result: 'offer' | 'none' | 'failed', detail?: string): void {
    this.check = { time: this.clock.now().toISOString(), result, ...(detail ? { detail } : {}) }
  }

  get outcome(): Final {
    return this.final.state
  }

  /** Factory reset and baseline restore start from a clean slate. */
  reset(): void {
    this.busy = undefined
    this.final = { state: 'idle' }
    this.onChange?.()
  }

  view(version: string): StatusView {
    const shown = this.busy ?? this.final
    return {
      state: shown.state,
      version,
      ...(shown.detail ? { detail: shown.detail } : {}),
      attempt: this.attempts,
      ...(this.final.time ? { time: this.final.time } : {}),
      ...(this.check ? { lastCheck: this.check } : {}),
    }
  }
}
