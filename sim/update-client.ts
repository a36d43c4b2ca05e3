import { rename, rm } from 'node:fs/promises'
import type { ImageManifest, Verification } from '../fixtures/image.ts'
import { CHECK_JITTER, DEVICE_SECONDS, TimerGroup, type DeviceClock } from './clock.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import type { FlawSet } from './flaws.ts'
import type { DeviceLog } from './log.ts'
import type { Mutex } from './mutex.ts'
import { NOTICE, type Notifications } from './notifications.ts'
import type { Settings } from './settings.ts'
import type { UpdateStatus } from './status.ts'
import type { UpdateTransport } from './transport.ts'

/** The vendor protocol's answer to `GET /v1/check`. */
export interface Offer {
  available: boolean
  version: string
  url: string
  sha256: string
  size: number
  security: boolean
  risks?: string
}

export interface InstallResult {
  accepted: boolean
  version?: string
  /** Verification failure (`unsigned`, `rollback`, …) or a SimError code. */
  code?: string
  /** Why it was refused. */
  reason?: string
  /** What the web UI would say, either way. */
  message: string
}

/** A downloaded, verified update waiting for the user or for the postponement to end. */
interface Pending {
  path: string
  sha256: string
  manifest: ImageManifest
  offer: Offer
  notified: boolean
}

/** What the update client needs from the rest of the device. */
export interface UpdateHost {
  readonly clock: DeviceClock
  readonly flaws: FlawSet
  readonly log: DeviceLog
  readonly lock: Mutex
  readonly settings: Settings
  readonly notifications: Notifications
  readonly status: UpdateStatus
  readonly random: () => number
  firmware(): { version: string; counter: number; hardwareId: string; imageSha256: string }
  stagingFile(kind: string): string
  verify(path: string): Promise<Verification>
  /** Verifies again and installs; the caller holds the lock. */
  installLocked(path: string, origin: string): Promise<InstallResult>
}

export interface UpdateClientOptions {
  serverUrl: URL
  transport: UpdateTransport
  maxImageBytes: number
}

type Trigger = 'boot' | 'periodic' | 'user'

/**
 * UpdMech-Network: checks after every boot and then daily, downloads into staging, verifies, and
 * installs or waits for the user as the settings say.
 */
export class UpdateClient {
  private readonly timers: TimerGroup
  private controller = new AbortController()
  private running: { promise: Promise<void>; signal: AbortSignal } | undefined
  private pending: Pending | undefined

  constructor(
    private readonly host: UpdateHost,
    private readonly options: UpdateClientOptions,
  ) {
    this.timers = new TimerGroup(host.clock)
  }

  /** Power-on: initialization is complete, the network is up; the schedule starts. */
  start(): void {
    this.controller = new AbortController()
    const { flaws } = this.host
    if (flaws.has('no-boot-check')) this.timers.after(this.period(), () => void this.scheduled('periodic'))
    else this.timers.after(DEVICE_SECONDS.bootCheckDelay, () => void this.scheduled('boot'))
  }

  /** Power-off: the schedule ends and a transfer in progress is cut. */
  stop(): void {
    this.timers.clear()
    this.controller.abort()
  }

  /**
   * Starts a check unless one of this power cycle is already running; resolves when it is over. A
   * check cut short by a restart does not absorb the first check of the next boot.
   */
  check(trigger: Trigger): Promise<void> {
    const signal = this.controller.signal
    if (this.running?.signal === signal) return this.running.promise
    // Shown at once, so a reader polling right after "check now" never mistakes the previous outcome for this one.
    this.host.status.working('checking')
    const promise = this.run(trigger, signal).catch((err: unknown) => {
      // A timer callback has nobody to throw to: the failure goes to the log and the next check runs as planned.
      this.host.log.add('check', `check aborted: ${errorMessage(err)}`, { code: errorCode(err) })
    })
    const running = { signal, promise }
    this.running = running
    void promise.then(() => {
      if (this.running === running) this.running = undefined
    })
    return promise
  }

  async installPending(): Promise<InstallResult> {
    const release = await this.host.lock.acquire()
    try {
      const pending = this.pending
      if (!pending) throw new SimError('E_SIM_NO_PENDING', 'no update is waiting to be installed')
      this.pending = undefined
      const result = await this.host.installLocked(pending.path, 'user, install pending')
      await rm(pending.path, { force: true })
      return result
    } finally {
      release()
    }
  }

  async dropPending(): Promise<void> {
    const pending = this.pending
    this.pending = undefined
    if (pending) await rm(pending.path, { force: true })
  }

  private period(): number {
    return DEVICE_SECONDS.checkPeriod * (1 + (this.host.random() * 2 - 1) * CHECK_JITTER)
  }

  private async scheduled(trigger: Trigger): Promise<void> {
    const signal = this.controller.signal
    await this.check(trigger)
    if (signal.aborted || this.host.flaws.has('no-periodic-check')) return
    this.timers.after(this.period(), () => void this.scheduled('periodic'))
  }

  private async run(trigger: Trigger, signal: AbortSignal): Promise<void> {
    const { log, status } = this.host
    const release = await this.host.lock.acquire()
    try {
      if (signal.aborted) return
      const fw = this.host.firmware()
      const url = new URL('/v1/check', this.options.serverUrl)
      url.search = new URLSearchParams({ hw: fw.hardwareId, version: fw.version, counter: String(fw.counter) }).toString()
      status.working('checking')
      log.add('check', `${trigger} check`, { url: url.href })
      let offer: Offer
      try {
        offer = parseOffer(await this.options.transport.getJson(url, signal), this.options.maxImageBytes)
      } catch (err) {
        status.checked('failed', `${errorCode(err)}: ${errorMessage(err)}`)
        log.add('check', `check failed: ${errorMessage(err)}`, { code: errorCode(err) })
        return
      }
      // The offer is unauthenticated, so its version string decides nothing: only the file it
      // names does. The very file that is installed is not fetched again; anything else is, and
      // the signed manifest inside it decides.
      if (!offer.available || offer.sha256 === fw.imageSha256) {
        status.checked('none')
        log.add('check', offer.available ? `offered image (version ${offer.version}) is the one installed` : 'no update available')
        // An update downloaded earlier still waits, whatever the server says today.
        if (this.pending) await this.decide(this.pending)
        return
      }
      status.checked('offer', `version ${offer.version}`)
      log.add('check', `update offered: version ${offer.version}`, { size: offer.size, sha256: offer.sha256, security: offer.security })
      if (this.pending?.sha256 !== offer.sha256) {
        await this.dropPending()
        this.pending = await this.fetch(offer, signal)
      }
      if (this.pending) await this.decide(this.pending)
    } finally {
      status.done()
      release()
    }
  }

  /** Download, transport hash and image verification; settles `rejected` when any fails. */
  private async fetch(offer: Offer, signal: AbortSignal): Promise<Pending | undefined> {
    const { log, status } = this.host
    const file = this.host.stagingFile('download')
    status.working('downloading', `version ${offer.version}`)
    try {
      const url = new URL(offer.url, this.options.serverUrl)
      const got = await this.options.transport.download(url, offer.size, file, signal)
      log.add('download', `downloaded ${got.bytes} bytes`, { url: url.href, sha256: got.sha256 })
      if (got.bytes !== offer.size || got.sha256 !== offer.sha256) {
        throw new SimError(
          'E_SIM_DOWNLOAD',
          `download does not match the offer (${got.bytes} of ${offer.size} bytes, SHA-256 ${got.sha256 === offer.sha256 ? 'matches' : 'differs'})`,
        )
      }
    } catch (err) {
      await rm(file, { force: true })
      if (signal.aborted) {
        log.add('download', 'download interrupted by restart')
        return undefined
      }
      log.add('download', `download failed: ${errorMessage(err)}`, { code: errorCode(err) })
      status.settle('rejected', `${errorCode(err)}: ${errorMessage(err)}`)
      return undefined
    }
    status.working('verifying', `version ${offer.version}`)
    const verdict = await this.host.verify(file)
    if (!verdict.ok) {
      await rm(file, { force: true })
      log.add('verify', `rejected: ${verdict.reason}`, { code: verdict.code, origin: 'network' })
      status.settle('rejected', `${verdict.code}: ${verdict.reason}`)
      return undefined
    }
    log.add('verify', `verified version ${verdict.manifest.version}`, { counter: verdict.manifest.versionCounter, origin: 'network' })
    const path = this.host.stagingFile('pending')
    await rename(file, path)
    return { path, sha256: offer.sha256, manifest: verdict.manifest, offer, notified: false }
  }

  private async decide(pending: Pending): Promise<void> {
    const { settings, status, notifications, log } = this.host
    if (pending.manifest.versionCounter <= this.host.firmware().counter) {
      log.add('install', `dropping the pending version ${pending.manifest.version}: the device is already past it`)
      await this.dropPending()
      return
    }
    if (settings.automaticInstallAllowed()) {
      this.pending = undefined
      await this.host.installLocked(pending.path, 'network, automatic')
      await rm(pending.path, { force: true })
      return
    }
    const why = settings.autoUpdate
      ? `automatic installation postponed until ${settings.view().postponedUntil}`
      : 'automatic updates are off'
    if (status.outcome !== 'pending-user') status.settle('pending-user', `version ${pending.manifest.version} is ready to install (${why})`)
    log.add('install', `waiting for the user: ${why}`)
    if (!pending.notified) {
      const { security, risks } = pending.offer
      const { version } = pending.manifest
      pending.notified = security
        ? notifications.notify('security-required', NOTICE.securityRequired(version, risks))
        : notifications.notify('available', NOTICE.available(version))
    }
  }
}

/** The check answer is unauthenticated: it is only a hint, the signed manifest decides. */
export function parseOffer(value: unknown, maxImageBytes: number): Offer {
  const bad = (why: string) => new SimError('E_SIM_CHECK', `malformed check answer: ${why}`)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object')
  const o = value as Record<string, unknown>
  if (typeof o.available !== 'boolean') throw bad('"available" must be true or false')
  if (!o.available) return { available: false, version: '', url: '', sha256: '', size: 0, security: false }
  if (typeof o.version !== 'string' || o.version === '') throw bad('"version" missing')
  if (typeof o.url !== 'string' || o.url === '') throw bad('"url" missing')
  if (typeof o.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(o.sha256)) throw bad('"sha256" must be 64 hex digits')
  const size = typeof o.size === 'string' ? Number(o.size) : o.size
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw bad('"size" must be a positive integer')
  if (size > maxImageBytes) throw bad(`"size" ${size} exceeds the device's ${maxImageBytes}-byte staging area`)
  return {
    available: true,
    version: o.version,
    url: o.url,
    sha256: o.sha256.toLowerCase(),
    size,
    security: o.security === true,
    ...(typeof o.risks === 'string' && o.risks.trim() ? { risks: o.risks.trim() } : {}),
  }
}
