import { randomBytes } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { hashRange } from '../fixtures/hash.ts'
import { verifyImage, type ImageManifest, type Verification } from '../fixtures/image.ts'
import { ApiServer } from './api.ts'
import { DEVICE_SECONDS, DeviceClock } from './clock.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import { parseFlaws, type FlawSet } from './flaws.ts'
import { Flash } from './flash.ts'
import { DEFAULT_HARDWARE_ID, MODEL, WRONG_MODEL } from './identity.ts'
import { DeviceLog, type LogEntry } from './log.ts'
import { Mutex } from './mutex.ts'
import { NOTICE, Notifications } from './notifications.ts'
import { Settings } from './settings.ts'
import { UpdateStatus } from './status.ts'
import { assertLoopback, UpdateTransport } from './transport.ts'
import { UpdateClient, type InstallResult, type UpdateHost } from './update-client.ts'
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
}

export interface DeviceInfo {
  model: string
  hardwareId: string
  firmware: { version: string; counter: number }
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

  constructor(private readonly options: ReferenceDutOptions) {
    this.flaws = parseFlaws(options.flaws ?? [])
    this.clock = new DeviceClock(options.timeScale ?? 1)
    this.log = new DeviceLog(this.clock, options.onLog)
    this.settings = new Settings(this.clock, this.flaws)
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
    this.client = new UpdateClient(this, { serverUrl, transport: this.transport, maxImageBytes: this.maxImageBytes })
    this.api = new ApiServer(this, options.password)
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

  /** Real milliseconds until a restart is over; 0 when the device is up. */
  get restartRemainingMs(): number {
    return this.powered ? 0 : Math.max(0, this.readyAt - Date.now())
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

  stagingFile(kind: string): string {
    this.staged += 1
    return join(this.options.dir, 'staging', `${kind}-${this.staged}-${randomBytes(4).toString('hex')}.img`)
  }

  verify(path: string): Promise<Verification> {
    const { counter } = this.flash.boot
    return verifyImage(path, verificationPolicy({ keys: this.options.trustedKeys, hardwareId: this.hardwareId, counter }, this.flaws))
  }

  /**
   * Verify, write the inactive slot, announce the disruption, switch slots, restart. Nothing is
   * written before verification passes, and the switch is the last step, so a rejection or an
   * interruption leaves the running firmware as it was.
   */
  async installLocked(path: string, origin: string): Promise<InstallResult> {
    const bootId = this.bootId
    const before = this.flash.boot
    this.status.working('verifying')
    const verdict = await this.verify(path)
    if (!verdict.ok) {
      this.log.add('verify', `rejected: ${verdict.reason}`, { code: verdict.code, origin })
      this.status.settle('rejected', `${verdict.code}: ${verdict.reason}`)
      return { accepted: false, code: verdict.code, reason: verdict.reason, message: `This file is not a valid update for this device: ${verdict.reason}` }
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
      return { accepted: false, code: 'E_SIM_INSTALL', reason: errorMessage(err), message: `The update could not be installed: ${errorMessage(err)}` }
    }
    this.status.settle('installed', `version ${m.version} installed (${origin})`)
    this.restart('installing the update')
    return { accepted: true, version: m.version, message: `Version ${m.version} verified and installed; the device restarts and is unavailable for about 30 seconds.` }
  }

  /** UpdMech-LocalUpload, after the API has streamed the body into `path`. */
  async installUpload(path: string, bootId: number): Promise<InstallResult> {
    const release = await this.lock.acquire()
    try {
      if (bootId !== this.bootId || !this.powered) throw new SimError('E_SIM_RESTARTING', 'the device restarted during the upload')
      return await this.installLocked(path, 'upload')
    } finally {
      release()
      await rm(path, { force: true })
    }
  }

  reboot(): void {
    this.restart('reboot requested')
  }

  /** Settings to their initialized state, notifications gone; firmware and counter stay. */
  async factoryReset(): Promise<void> {
    const release = await this.lock.acquire()
    try {
      this.settings.reset()
      this.notifications.clear()
      await this.client.dropPending()
      this.status.reset()
      this.log.add('service', 'factory reset: settings restored to defaults, notifications cleared')
      this.restart('factory reset')
    } finally {
      release()
    }
  }

  /** Lab service: the baseline firmware and its counter again, whatever was installed since. */
  async restoreBaseline(): Promise<void> {
    const release = await this.lock.acquire()
    try {
      const baseline = this.baseline
      if (!baseline) throw new SimError('E_SIM_CONFIG', 'device not started')
      const staged = await this.flash.stage(this.options.baselineImage)
      await this.flash.commit(staged.slot, baseline, baseline.versionCounter, { payload: staged.sha256, image: this.baselineSha256 }, this.clock.now().toISOString())
      await this.client.dropPending()
      this.status.reset()
      this.log.add('service', `baseline ${baseline.version} (counter ${baseline.versionCounter}) restored into slot ${staged.slot}`)
      this.restart('baseline restored')
    } finally {
      release()
    }
  }

  /**
   * Power cycle: the API answers 503, the update client's schedule and transfers end. After the
   * scaled restart time the boot record is read again and the boot check is scheduled anew.
   */
  restart(reason: string): void {
    if (this.closed) return
    this.powered = false
    this.client.stop()
    clearTimeout(this.restartTimer)
    const ms = this.clock.realMs(DEVICE_SECONDS.restart)
    this.readyAt = Date.now() + ms
    this.log.add('power', `restarting: ${reason}`)
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
    await this.api.close()
    await this.transport.close()
  }

  private async boot(): Promise<void> {
    if (this.closed) return
    const record = await this.flash.load()
    this.bootCount += 1
    this.powered = true
    this.log.add('power', `booted version ${record.version} (counter ${record.counter}) from slot ${record.activeSlot}`)
    this.client.start()
  }
}
