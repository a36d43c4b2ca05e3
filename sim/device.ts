import { randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { hashRange } from '../fixtures/hash.ts'
import { verifyImage, type ImageManifest, type Verification, type VerifyPolicy } from '../fixtures/image.ts'
import { ApiServer } from './api.ts'
import { DEVICE_SECONDS, DeviceClock } from './clock.ts'
import { verifyDetachedManifest, verifyStaged } from './detached-image.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import { parseFlaws, type FlawSet } from './flaws.ts'
import { Flash } from './flash.ts'
import { DEFAULT_HARDWARE_ID, MODEL, WRONG_MODEL } from './identity.ts'
import { DeviceLog, type LogEntry } from './log.ts'
import { Mutex } from './mutex.ts'
import { NOTICE, Notifications, type DeviceNotification } from './notifications.ts'
import { Settings, type SettingsView } from './settings.ts'
import { Signal } from './signal.ts'
import { UpdateStatus, type StatusView } from './status.ts'
import { assertLoopback, UpdateTransport } from './transport.ts'
import { UpdateClient, type CheckEvent, type InstallResult, type UpdateHost } from './update-client.ts'
import type { Mode } from './modes/index.ts'
import { protocolOf } from './protocols/index.ts'
import { nextCounter, verificationPolicy } from './verification.ts'

export { DEFAULT_HARDWARE_ID, MODEL, WRONG_MODEL } from './identity.ts'

export interface ReferenceDutOptions {
  /** The device's flash and staging area; created if missing. */
  dir: string
  /** The `admin` password of the HTTP API. Never logged. */
  password: string
  hardwareId?: string
  /** The device trust store: public keys of the vendor's update-signing keys. */
  trustedKeys: KeyObject[]
  /** Programmed into slot A at the factory; also what `restore-baseline` reinstalls. */
  baselineImage: string
  /** e.g. `https://127.0.0.1:8702`; loopback only. */
  updateServerUrl: string
  /** The pinned vendor CA for HTTPS to the update server. */
  vendorCaPem?: string
  flaws?: readonly string[]
  /** Device seconds per real second; default 1. */
  timeScale?: number
  /** Default 0: an ephemeral port. */
  port?: number
  /** Real milliseconds a check answer or image transfer may stall or take. */
  networkTimeoutMs?: number
  maxImageBytes?: number
  /** Receives every log entry as it is written (the CLI prints them). */
  onLog?: (entry: LogEntry) => void
  /** For the check-time jitter; `Math.random` by default. */
  random?: () => number
  /** Which kind of update agent the device behaves like (sim/modes/); default `api`. */
  mode?: Mode
  /** Automatic updates stay off after a factory reset until the user consents during initialization. */
  awaitsConsent?: boolean
}

export interface DeviceInfo {
  model: string
  hardwareId: string
  firmware: { version: string; counter: number }
}

/** A power cycle's edges: `down` when a restart begins, `up` once the device has booted. */
export type PowerEvent = { up: false; reason: string } | { up: true; version: string; counter: number; slot: string; bootId: number }

/**
 * What the device tells its front ends. The HTTP API answers requests and needs none of it; the
 * MQTT client publishes state and events, the serial console prints restart and boot messages.
 */
export interface DeviceSignals {
  power: Signal<PowerEvent>
  /** The update status changed (busy, settled, reset). */
  status: Signal<StatusView>
  /** Settings changed (by any channel, or a factory reset). */
  settings: Signal<SettingsView>
  notification: Signal<DeviceNotification>
  /** An update check begins (boot, periodic or asked for). */
  check: Signal<CheckEvent>
}

/** What a fetch-by-URL delivery may announce about the image. */
export interface ExpectedImage {
  size?: number
  sha256?: string
}

/**
 * The reference DUT: firmware in A/B slots, the update client, the settings and notifications of
 * IXIT 7-UpdMech, and the HTTP API the lab drives it through.
 *
 * While it restarts the device keeps its port but answers every request with 503 and
 * `Retry-After`: refused connections would look the same as a device that is gone, and giving up
 * the port would let something else take it.
 */
export class ReferenceDut implements UpdateHost {
  readonly flaws: FlawSet
  readonly clock: DeviceClock
  readonly log: DeviceLog
  readonly lock = new Mutex()
  readonly settings: Settings
  readonly notifications: Notifications
  readonly status: UpdateStatus
  readonly random: () => number
  readonly hardwareId: string
  readonly model: string
  readonly client: UpdateClient
  readonly signals: DeviceSignals = {
    power: new Signal(),
    status: new Signal(),
    settings: new Signal(),
    notification: new Signal(),
    check: new Signal(),
  }

  private readonly flash: Flash
  private readonly transport: UpdateTransport
  private readonly api: ApiServer
  private baseline: ImageManifest | undefined
  private baselineSha256 = ''
  private bootCount = 0
  private powered = false
  private readyAt = 0
  private restartTimer: NodeJS.Timeout | undefined
  private staged = 0
  private closed = false
  /** Ends with the power cycle: transfers the front ends started are cut by a restart. */
  private cycle = new AbortController()

  constructor(private readonly options: ReferenceDutOptions) {
    this.flaws = parseFlaws(options.flaws ?? [])
    this.clock = new DeviceClock(options.timeScale ?? 1)
    this.log = new DeviceLog(this.clock, options.onLog)
    this.settings = new Settings(this.clock, this.flaws, options.awaitsConsent)
    this.notifications = new Notifications(this.clock, this.settings, this.flaws, this.log)
    this.status = new UpdateStatus(this.clock)
    this.random = options.random ?? Math.random
    this.hardwareId = options.hardwareId ?? DEFAULT_HARDWARE_ID
    this.model = this.flaws.has('wrong-model') ? WRONG_MODEL : MODEL
    this.flash = new Flash(join(options.dir, 'flash'))

    const serverUrl = new URL(options.updateServerUrl)
    assertLoopback(serverUrl, 'update server')
    if (serverUrl.protocol === 'https:' && !options.vendorCaPem && !this.flaws.has('trust-any-tls')) {
      throw new SimError('E_SIM_CONFIG', 'an https update server needs the vendor CA to pin (vendorCaPem)')
    }
    const timeoutMs = options.networkTimeoutMs ?? 30_000
    this.transport = new UpdateTransport({ caPem: options.vendorCaPem, trustAnyTls: this.flaws.has('trust-any-tls'), timeoutMs })
    this.client = new UpdateClient(this, {
      serverUrl,
      transport: this.transport,
      maxImageBytes: this.maxImageBytes,
      protocol: protocolOf(this.mode, { hardwareId: this.hardwareId }),
    })
    this.api = new ApiServer(this, options.password)
    this.settings.onChange = () => this.signals.settings.emit(this.settings.view())
    this.status.onChange = () => this.signals.status.emit(this.statusView())
    this.notifications.onNotify = (n) => this.signals.notification.emit(n)
  }

  get maxImageBytes(): number {
    return this.options.maxImageBytes ?? 64 * 1024 * 1024
  }

  /** Factory programming and first power-on; resolves with the API's base URL. */
  async start(): Promise<string> {
    await mkdir(join(this.options.dir, 'staging'), { recursive: true })
    const verdict = await verifyImage(this.options.baselineImage, { trustedKeys: this.options.trustedKeys, hardwareId: this.hardwareId })
    if (!verdict.ok) throw new SimError('E_SIM_CONFIG', `baseline image is not valid for this device: ${verdict.reason}`)
    this.baseline = verdict.manifest
    this.baselineSha256 = (await hashRange(this.options.baselineImage)).sha256
    await this.flash.program(this.options.baselineImage, verdict.manifest, this.baselineSha256, this.clock.now().toISOString())
    const url = await this.api.listen(this.options.port ?? 0)
    this.log.add('power', `${this.model} listening on ${url}`, { flaws: [...this.flaws] })
    await this.boot()
    return url
  }

  get url(): string {
    return this.api.url
  }

  get isUp(): boolean {
    return this.powered
  }

  /** Real milliseconds until a restart is over; 0 when the device is up, a second while it is off. */
  get restartRemainingMs(): number {
    if (this.powered) return 0
    return Number.isFinite(this.readyAt) ? Math.max(0, this.readyAt - Date.now()) : 1000
  }

  /** Increases with every power-on: work begun in an earlier power cycle must not finish in this one. */
  get bootId(): number {
    return this.bootCount
  }

  firmware(): { version: string; counter: number; hardwareId: string; slot: string; imageSha256: string } {
    const b = this.flash.boot
    return { version: b.version, counter: b.counter, hardwareId: this.hardwareId, slot: b.activeSlot, imageSha256: b.imageSha256 }
  }

  info(): DeviceInfo {
    const { version, counter } = this.firmware()
    return { model: this.model, hardwareId: this.hardwareId, firmware: { version, counter } }
  }

  /** The update server the device polls (for front ends to show). */
  get updateServerUrl(): string {
    return this.options.updateServerUrl
  }

  statusView(): StatusView {
    return this.status.view(this.firmware().version)
  }

  // --- Operations every front end offers; each channel only translates them. ---------------------

  /** A partial settings object (`autoUpdate`, `notifications`); `via` names the channel in the log. */
  changeSettings(changes: unknown, via: string): SettingsView {
    this.settings.apply(changes)
    this.log.add('settings', 'settings changed', { ...this.settings.view(), via })
    return this.settings.view()
  }

  /** `{automaticUpdates: boolean}`: the user's answer when initialization asks about automatic updates. */
  answerConsent(answer: unknown, via: string): SettingsView {
    this.settings.answerConsent(answer)
    this.log.add('settings', 'initialization: the user answered the consent question on automatic updates', {
      ...this.settings.view(),
      via,
    })
    return this.settings.view()
  }

  postponeUpdates(days: unknown, via: string): SettingsView {
    const until = this.settings.postponeUpdates(days)
    this.log.add('settings', `automatic installation postponed until ${until.toISOString()}`, { via })
    return this.settings.view()
  }

  postponeNotifications(days: unknown, via: string): SettingsView {
    const until = this.settings.postponeNotifications(days)
    this.log.add('settings', `notifications postponed until ${until.toISOString()}`, { via })
    return this.settings.view()
  }

  /** "Check for updates now": starts a check and returns at once with the status it shows. */
  checkNow(): StatusView {
    void this.client.check('user')
    return this.statusView()
  }

  /** The signal of the current power cycle: aborted when the device restarts. */
  get powerCycle(): AbortSignal {
    return this.cycle.signal
  }

  stagingFile(kind: string): string {
    this.staged += 1
    return join(this.options.dir, 'staging', `${kind}-${this.staged}-${randomBytes(4).toString('hex')}.img`)
  }

  verify(path: string): Promise<Verification> {
    return verifyStaged(path, this.policy(), this.mode === 'detached')
  }

  verifyManifest(manifest: Buffer, signature: Buffer): Verification {
    return verifyDetachedManifest(manifest, signature, this.policy())
  }

  private policy(): VerifyPolicy {
    const { counter } = this.flash.boot
    return verificationPolicy({ keys: this.options.trustedKeys, hardwareId: this.hardwareId, counter }, this.flaws)
  }

  /**
   * Verify, write the inactive slot, announce the disruption, switch slots, restart. Nothing is
   * written before verification passes, and the switch is the last step, so a rejection or an
   * interruption leaves the running firmware as it was.
   */
  checkStarted(check: CheckEvent): void {
    this.signals.check.emit(check)
  }

  /** Which kind of update agent the device behaves like. */
  get mode(): Mode {
    return this.options.mode ?? 'api'
  }

  async installLocked(path: string, origin: string): Promise<InstallResult> {
    const bootId = this.bootId
    const before = this.flash.boot
    this.status.working('verifying')
    const verdict = await this.verify(path)
    if (!verdict.ok) {
      this.log.add('verify', `rejected: ${verdict.reason}`, { code: verdict.code, origin })
      this.status.settle('rejected', `${verdict.code}: ${verdict.reason}`)
      return {
        accepted: false,
        code: verdict.code,
        reason: verdict.reason,
        message: `This file is not a valid update for this device: ${verdict.reason}`,
      }
    }
    const m = verdict.manifest
    this.log.add('verify', `verified version ${m.version}`, { counter: m.versionCounter, origin })
    try {
      const staged = await this.flash.stage(path)
      const image = await hashRange(path)
      if (this.bootId !== bootId || !this.powered) throw new SimError('E_SIM_INSTALL', 'interrupted by a restart before the slot switch')
      this.notifications.notify('disruption', NOTICE.disruption())
      const counter = nextCounter(before.counter, m.versionCounter, this.flaws)
      await this.flash.commit(staged.slot, m, counter, { payload: staged.sha256, image: image.sha256 }, this.clock.now().toISOString())
      this.log.add('install', `installed version ${m.version} into slot ${staged.slot}`, { from: before.version, counter, origin })
    } catch (err) {
      this.log.add('install', `installation failed: ${errorMessage(err)}`, { code: errorCode(err), origin })
      this.status.settle('rejected', `E_SIM_INSTALL: ${errorMessage(err)}`)
      return {
        accepted: false,
        code: 'E_SIM_INSTALL',
        reason: errorMessage(err),
        message: `The update could not be installed: ${errorMessage(err)}`,
      }
    }
    this.status.settle('installed', `version ${m.version} installed (${origin})`)
    this.restart('installing the update')
    return {
      accepted: true,
      version: m.version,
      message: `Version ${m.version} verified and installed; the device restarts and is unavailable for about 30 seconds.`,
    }
  }

  /**
   * UpdMech-LocalUpload, after a front end has received the image into `path` (the HTTP body,
   * MQTT chunks, console base64 lines or raw bytes). `origin` names the channel in log and status.
   */
  async installUpload(path: string, bootId: number, origin = 'upload'): Promise<InstallResult> {
    const release = await this.lock.acquire()
    try {
      if (bootId !== this.bootId || !this.powered) throw new SimError('E_SIM_RESTARTING', 'the device restarted during the upload')
      return await this.installLocked(path, origin)
    } finally {
      release()
      await rm(path, { force: true })
    }
  }

  /**
   * UpdMech-LocalUpload told by URL: the device fetches the image itself (loopback only, HTTPS with
   * the pinned vendor CA or plain HTTP), then verifies and installs it as an upload. A transfer
   * that fails or does not match what was announced settles `rejected`.
   */
  async installFromUrl(url: string, expected: ExpectedImage, origin: string): Promise<InstallResult> {
    const bootId = this.bootId
    const signal = this.cycle.signal
    const refuse = (code: string, reason: string): InstallResult => {
      this.log.add('download', `fetch failed: ${reason}`, { code, origin })
      this.status.settle('rejected', `${code}: ${reason}`)
      return { accepted: false, code, reason, message: `The image could not be fetched: ${reason}` }
    }
    let target: URL
    try {
      target = new URL(url)
    } catch {
      return refuse('E_SIM_BAD_REQUEST', `"${url}" is not a URL`)
    }
    try {
      assertLoopback(target, 'image URL')
    } catch (err) {
      return refuse(errorCode(err), errorMessage(err))
    }
    if (expected.size !== undefined && (!Number.isSafeInteger(expected.size) || expected.size <= 0))
      return refuse('E_SIM_BAD_REQUEST', 'size must be a positive whole number')
    if (expected.size !== undefined && expected.size > this.maxImageBytes)
      return refuse('E_SIM_TOO_LARGE', `the image (${expected.size} bytes) exceeds the ${this.maxImageBytes}-byte staging area`)
    if (expected.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(expected.sha256))
      return refuse('E_SIM_BAD_REQUEST', 'sha256 must be 64 hex digits')
    if (!this.powered) throw new SimError('E_SIM_RESTARTING', 'the device is restarting')
    const file = this.stagingFile('fetch')
    this.status.working('downloading', `from ${target.href}`)
    this.log.add('download', `fetching image from ${target.href}`, { origin })
    try {
      const got = await this.transport.download(target, expected.size ?? this.maxImageBytes, file, signal)
      this.log.add('download', `downloaded ${got.bytes} bytes`, { url: target.href, sha256: got.sha256, origin })
      if (expected.size !== undefined && got.bytes !== expected.size)
        throw new SimError('E_SIM_DOWNLOAD', `got ${got.bytes} bytes, ${expected.size} were announced`)
      if (expected.sha256 !== undefined && got.sha256 !== expected.sha256.toLowerCase())
        throw new SimError('E_SIM_DOWNLOAD', 'the SHA-256 of the download differs from the announced one')
    } catch (err) {
      await rm(file, { force: true })
      if (signal.aborted) throw new SimError('E_SIM_RESTARTING', 'the device restarted during the download')
      return refuse(errorCode(err), errorMessage(err))
    }
    return this.installUpload(file, bootId, origin)
  }

  reboot(): void {
    this.restart('reboot requested')
  }

  /** Settings to their initialized state, notifications gone; firmware and counter stay. */
  /** `offMs`: real milliseconds the device stays off before it boots (a bench that cuts the power). */
  async factoryReset(offMs = 0): Promise<void> {
    const release = await this.lock.acquire()
    try {
      this.settings.reset()
      this.notifications.clear()
      await this.client.dropPending()
      this.status.reset()
      this.log.add('service', 'factory reset: settings restored to defaults, notifications cleared')
      this.restart('factory reset', offMs)
    } finally {
      release()
    }
  }

  /** Lab service: the baseline firmware and its counter again, whatever was installed since. */
  async restoreBaseline(offMs = 0): Promise<void> {
    const release = await this.lock.acquire()
    try {
      const baseline = this.baseline
      if (!baseline) throw new SimError('E_SIM_CONFIG', 'device not started')
      const staged = await this.flash.stage(this.options.baselineImage)
      await this.flash.commit(
        staged.slot,
        baseline,
        baseline.versionCounter,
        { payload: staged.sha256, image: this.baselineSha256 },
        this.clock.now().toISOString(),
      )
      await this.client.dropPending()
      this.status.reset()
      this.log.add('service', `baseline ${baseline.version} (counter ${baseline.versionCounter}) restored into slot ${staged.slot}`)
      this.restart('baseline restored', offMs)
    } finally {
      release()
    }
  }

  /**
   * Power cycle: the API answers 503, the update client's schedule and transfers end. After the
   * scaled restart time the boot record is read again and the boot check is scheduled anew.
   */
  restart(reason: string, offMs = 0): void {
    if (this.powerOff(reason)) this.powerOn(offMs)
  }

  /** Cuts the power until powerOn; false once the device is closed. */
  powerOff(reason: string): boolean {
    if (this.closed) return false
    const wasUp = this.powered
    this.powered = false
    this.client.stop()
    this.cycle.abort()
    clearTimeout(this.restartTimer)
    this.restartTimer = undefined
    this.readyAt = Number.POSITIVE_INFINITY
    this.log.add('power', `restarting: ${reason}`)
    if (wasUp) this.signals.power.emit({ up: false, reason })
    return true
  }

  /** Gives power back to a device that is off: it boots after `offMs` and its scaled restart time. */
  powerOn(offMs = 0): void {
    if (this.closed || this.powered || this.restartTimer) return
    this.bootIn(this.clock.realMs(DEVICE_SECONDS.restart) + offMs)
  }

  /**
   * A device waiting to boot boots after `offMs` (and its restart time) from now, if that is
   * sooner than planned: the bench knows the lab's command is gone and need not keep it off longer.
   */
  bootSooner(offMs: number): void {
    if (this.closed || this.powered || !this.restartTimer) return
    const ms = this.clock.realMs(DEVICE_SECONDS.restart) + offMs
    if (Date.now() + ms >= this.readyAt) return
    clearTimeout(this.restartTimer)
    this.bootIn(ms)
  }

  private bootIn(ms: number): void {
    this.readyAt = Date.now() + ms
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined
      void this.boot().catch((err: unknown) => this.log.add('power', `boot failed: ${errorMessage(err)}`))
    }, ms)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.powered = false
    clearTimeout(this.restartTimer)
    this.client.stop()
    this.cycle.abort()
    await this.api.close()
    await this.transport.close()
  }

  private async boot(): Promise<void> {
    if (this.closed) return
    const record = await this.flash.load()
    if (this.closed) return
    this.bootCount += 1
    this.cycle = new AbortController()
    this.powered = true
    this.log.add('power', `booted version ${record.version} (counter ${record.counter}) from slot ${record.activeSlot}`)
    this.client.start()
    this.signals.power.emit({ up: true, version: record.version, counter: record.counter, slot: record.activeSlot, bootId: this.bootCount })
  }
}
