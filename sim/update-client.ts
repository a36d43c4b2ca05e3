import type { ImageManifest, Verification } from '../fixtures/image.ts'
import { fetchDetached, type DetachedFetchContext } from './detached-fetch.ts'
import { moveStaged, removeStaged } from './detached-image.ts'
import { CHECK_JITTER, DEVICE_SECONDS, TimerGroup, type DeviceClock } from './clock.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import type { FlawSet } from './flaws.ts'
import type { DeviceLog } from './log.ts'
import type { Mutex } from './mutex.ts'
import { NOTICE, type Notifications } from './notifications.ts'
import type { DeploymentState, Offer, ProtocolContext, UpdateProtocol } from './protocols/protocol.ts'
import { VendorProtocol } from './protocols/vendor.ts'
import type { Settings } from './settings.ts'
import type { UpdateStatus } from './status.ts'
import type { Download, UpdateTransport } from './transport.ts'

export type { Offer } from './protocols/protocol.ts'
export { parseOffer } from './protocols/vendor.ts'

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
  /** The deployment ID where the protocol has one, else the offered SHA-256: what makes an offer the same again. */
  key: string
  manifest: ImageManifest
  offer: Offer
  notified: boolean
  /** The server has been told the deployment waits for the user. */
  paused: boolean
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
  readonly model: string
  firmware(): { version: string; counter: number; hardwareId: string; imageSha256: string }
  stagingFile(kind: string): string
  verify(path: string): Promise<Verification>
  /** The checks of a detached manifest that need no payload: signature over its bytes, hardware, counter. */
  verifyManifest(manifest: Buffer, signature: Buffer): Verification
  /** Verifies again and installs; the caller holds the lock. */
  installLocked(path: string, origin: string): Promise<InstallResult>
  /** A check begins: front ends that announce checks (MQTT, console) say so. */
  checkStarted(check: CheckEvent): void
}

/** One update check as it starts. */
export interface CheckEvent {
  trigger: Trigger
  /** The update server's URL the check asks. */
  url: string
}

export interface UpdateClientOptions {
  serverUrl: URL
  transport: UpdateTransport
  maxImageBytes: number
  /** How checks are asked and what is reported to the server; the vendor's own protocol by default. */
  protocol?: UpdateProtocol
}

export type Trigger = 'boot' | 'periodic' | 'user'

/**
 * UpdMech-Network: checks after every boot and then daily, downloads into staging, verifies, and
 * installs or waits for the user as the settings say.
 */
export class UpdateClient {
  private readonly timers: TimerGroup
  private controller = new AbortController()
  private running: { promise: Promise<void>; signal: AbortSignal } | undefined
  private pending: Pending | undefined
  readonly protocol: UpdateProtocol
  /** Deployments settled one way or the other: the server's next offer of one is not acted on again. */
  private readonly finished = new Set<string>()
  /** The deployment whose image was installed; its result is reported once the device is back up. */
  private committing: { deployment: string; version: string } | undefined
  /** The wait the server last asked for (hawkBit's sleep), in device seconds. */
  private serverSleep: number | undefined

  constructor(
    private readonly host: UpdateHost,
    private readonly options: UpdateClientOptions,
  ) {
    this.timers = new TimerGroup(host.clock)
    this.protocol = options.protocol ?? new VendorProtocol()
  }

  /** Power-on: initialization is complete, the network is up; the schedule starts. */
  start(): void {
    this.controller = new AbortController()
    const { flaws } = this.host
    if (flaws.has('no-boot-check')) this.timers.after(this.period(), () => void this.scheduled('periodic'))
    else this.timers.after(DEVICE_SECONDS.bootCheckDelay, () => void this.scheduled('boot'))
    void this.booted(this.controller.signal)
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
      await removeStaged(pending.path)
      return result
    } finally {
      release()
    }
  }

  async dropPending(): Promise<void> {
    const pending = this.pending
    this.pending = undefined
    if (pending) await removeStaged(pending.path)
  }

  private period(): number {
    return (this.serverSleep ?? DEVICE_SECONDS.checkPeriod) * (1 + (this.host.random() * 2 - 1) * CHECK_JITTER)
  }

  private context(signal: AbortSignal): ProtocolContext {
    const { version, counter, hardwareId } = this.host.firmware()
    const { transport, serverUrl, maxImageBytes } = this.options
    return { transport, serverUrl, signal, maxImageBytes, device: { version, counter, hardwareId, model: this.host.model } }
  }

  /**
   * After every boot: the result of the deployment installed before the restart (the running
   * version says whether it took), then the device's attributes, and from then on the protocol's
   * attribute heartbeat.
   */
  private async booted(signal: AbortSignal): Promise<void> {
    const committing = this.committing
    this.committing = undefined
    if (committing) {
      const running = this.host.firmware().version
      const took = running === committing.version
      await this.report(
        committing.deployment,
        took ? 'success' : 'failure',
        took ? `running version ${running}` : `expected version ${committing.version} after the restart, running ${running}`,
        signal,
      )
    }
    await this.sendAttributes(signal)
    const every = this.protocol.attributesEverySeconds
    if (every === undefined) return
    const beat = () => {
      if (signal.aborted) return
      void this.sendAttributes(signal).then(() => this.timers.after(every, beat))
    }
    this.timers.after(every, beat)
  }

  /** Reports are best effort: a server that does not take one is logged, the update goes on. */
  private async sendAttributes(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return
    try {
      await this.protocol.reportAttributes(this.context(signal))
    } catch (err) {
      if (!signal.aborted) this.host.log.add('check', `attribute report failed: ${errorMessage(err)}`, { protocol: this.protocol.name })
    }
  }

  private async report(deployment: string | undefined, state: DeploymentState, detail: string, signal: AbortSignal): Promise<void> {
    if (deployment === undefined || signal.aborted) return
    if (state === 'success' || state === 'failure' || state === 'already-installed') this.finished.add(deployment)
    try {
      await this.protocol.reportDeployment(deployment, state, detail, this.context(signal))
      this.host.log.add('check', `deployment ${deployment}: ${state}`, { protocol: this.protocol.name })
    } catch (err) {
      if (!signal.aborted)
        this.host.log.add('check', `deployment ${deployment}: ${state} report failed: ${errorMessage(err)}`, {
          protocol: this.protocol.name,
        })
    }
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
      const ctx = this.context(signal)
      const url = this.protocol.checkUrl(ctx)
      status.working('checking')
      log.add('check', `${trigger} check`, { url: url.href })
      this.host.checkStarted({ trigger, url: url.href })
      let offer: Offer
      try {
        const answer = await this.protocol.check(url, ctx)
        offer = answer.offer
        if (answer.sleepSeconds !== undefined) this.serverSleep = answer.sleepSeconds
        if (answer.wantsAttributes) await this.sendAttributes(signal)
      } catch (err) {
        status.checked('failed', `${errorCode(err)}: ${errorMessage(err)}`)
        log.add('check', `check failed: ${errorMessage(err)}`, { code: errorCode(err) })
        return
      }
      const done = offer.deployment !== undefined && this.finished.has(offer.deployment)
      // The offer is unauthenticated, so its version string decides nothing: only the file it
      // names does. The very file that is installed is not fetched again; anything else is, and
      // the signed manifest inside it decides.
      const same = offer.available && offer.sha256 !== undefined && offer.sha256 === fw.imageSha256
      if (!offer.available || same || done) {
        status.checked('none')
        log.add(
          'check',
          !offer.available
            ? 'no update available'
            : done
              ? `deployment ${offer.deployment} (version ${offer.version}) is settled already`
              : `offered image (version ${offer.version}) is the one installed`,
        )
        // A settled deployment was reported once; a server that keeps linking it hears nothing more.
        if (same && !done) await this.report(offer.deployment, 'already-installed', `version ${fw.version} is installed`, signal)
        // An update downloaded earlier still waits, whatever the server says today.
        if (this.pending) await this.decide(this.pending)
        return
      }
      status.checked('offer', `version ${offer.version}`)
      log.add('check', `update offered: version ${offer.version}`, {
        size: offer.size,
        sha256: offer.sha256,
        security: offer.security,
        ...(offer.deployment !== undefined && { deployment: offer.deployment }),
      })
      const key = offer.deployment ?? offer.sha256 ?? offer.url
      if (this.pending?.key !== key) {
        await this.dropPending()
        this.pending = await this.fetch(offer, key, signal)
      }
      if (this.pending) await this.decide(this.pending)
    } finally {
      status.done()
      release()
    }
  }

  /** Download, transport hash and image verification; settles `rejected` when any fails. */
  private async fetch(offer: Offer, key: string, signal: AbortSignal): Promise<Pending | undefined> {
    const { log, status } = this.host
    const file = this.host.stagingFile('download')
    status.working('downloading', `version ${offer.version}`)
    await this.report(offer.deployment, 'downloading', `version ${offer.version}`, signal)
    try {
      const url = new URL(offer.url, this.options.serverUrl)
      let got: Download
      if (offer.parts) {
        const fetched = await fetchDetached(url, offer.parts, file, this.detachedContext(signal))
        if ('refused' in fetched) {
          log.add('download', 'the manifest is refused: the payload is not fetched')
          return await this.refuse(file, offer, fetched.refused, signal)
        }
        got = fetched.got
      } else {
        // Without an announced size the staging area is the limit, as it is for any download.
        got = await this.options.transport.download(url, offer.size ?? this.options.maxImageBytes, file, signal)
        log.add('download', `downloaded ${got.bytes} bytes`, { url: url.href, sha256: got.sha256 })
      }
      const sizeOk = offer.size === undefined || got.bytes === offer.size
      const hashOk = offer.sha256 === undefined || got.sha256 === offer.sha256
      if (!sizeOk || !hashOk) {
        throw new SimError(
          'E_SIM_DOWNLOAD',
          `download does not match the offer (${got.bytes} of ${offer.size} bytes, SHA-256 ${hashOk ? 'matches' : 'differs'})`,
        )
      }
      if (got.sha256 === this.host.firmware().imageSha256) {
        await removeStaged(file)
        log.add('download', `the download is the image installed (version ${this.host.firmware().version})`)
        status.done()
        await this.report(offer.deployment, 'already-installed', `version ${this.host.firmware().version} is installed`, signal)
        return undefined
      }
    } catch (err) {
      await removeStaged(file)
      if (signal.aborted) {
        log.add('download', 'download interrupted by restart')
        return undefined
      }
      log.add('download', `download failed: ${errorMessage(err)}`, { code: errorCode(err) })
      status.settle('rejected', `${errorCode(err)}: ${errorMessage(err)}`)
      await this.report(offer.deployment, 'failure', `${errorCode(err)}: ${errorMessage(err)}`, signal)
      return undefined
    }
    status.working('verifying', `version ${offer.version}`)
    const verdict = await this.host.verify(file)
    if (!verdict.ok) return this.refuse(file, offer, verdict, signal)
    log.add('verify', `verified version ${verdict.manifest.version}`, { counter: verdict.manifest.versionCounter, origin: 'network' })
    const path = this.host.stagingFile('pending')
    await moveStaged(file, path)
    return { path, key, manifest: verdict.manifest, offer, notified: false, paused: false }
  }

  private async refuse(file: string, offer: Offer, verdict: Exclude<Verification, { ok: true }>, signal: AbortSignal): Promise<undefined> {
    await removeStaged(file)
    this.host.log.add('verify', `rejected: ${verdict.reason}`, { code: verdict.code, origin: 'network' })
    this.host.status.settle('rejected', `${verdict.code}: ${verdict.reason}`)
    await this.report(offer.deployment, 'failure', `${verdict.code}: ${verdict.reason}`, signal)
    return undefined
  }

  private detachedContext(signal: AbortSignal): DetachedFetchContext {
    const { transport, serverUrl, maxImageBytes } = this.options
    return {
      transport,
      serverUrl,
      signal,
      maxImageBytes,
      log: this.host.log,
      installedSha256: this.host.firmware().imageSha256,
      verifyManifest: (manifest: Buffer, signature: Buffer) => this.host.verifyManifest(manifest, signature),
      checkPayload: !this.host.flaws.has('header-only-hash'),
    }
  }

  private async decide(pending: Pending): Promise<void> {
    const { settings, status, notifications, log } = this.host
    const signal = this.controller.signal
    const deployment = pending.offer.deployment
    // A device without anti-rollback has no counter to be past: only the very version it runs is stale.
    const fw = this.host.firmware()
    const stale = this.host.flaws.has('no-anti-rollback')
      ? pending.manifest.version === fw.version
      : pending.manifest.versionCounter <= fw.counter
    if (stale) {
      log.add('install', `dropping the pending version ${pending.manifest.version}: the device is already past it`)
      await this.dropPending()
      const running = this.host.firmware().version
      await this.report(
        deployment,
        'already-installed',
        `version ${running} is installed, not older than ${pending.manifest.version}`,
        signal,
      )
      return
    }
    if (settings.automaticInstallAllowed()) {
      this.pending = undefined
      await this.report(deployment, 'installing', `version ${pending.manifest.version}`, signal)
      if (deployment !== undefined) this.committing = { deployment, version: pending.manifest.version }
      const result = await this.host.installLocked(pending.path, 'network, automatic')
      await removeStaged(pending.path)
      if (!result.accepted) {
        this.committing = undefined
        await this.report(deployment, 'failure', `${result.code ?? 'E_SIM_INSTALL'}: ${result.reason ?? result.message}`, signal)
      }
      return
    }
    const why = settings.autoUpdate
      ? `automatic installation postponed until ${settings.view().postponedUntil}`
      : 'automatic updates are off'
    if (status.outcome !== 'pending-user') status.settle('pending-user', `version ${pending.manifest.version} is ready to install (${why})`)
    log.add('install', `waiting for the user: ${why}`)
    if (!pending.paused) {
      pending.paused = true
      await this.report(deployment, 'pause_before_installing', why, signal)
    }
    if (!pending.notified) {
      const { security, risks } = pending.offer
      const { version } = pending.manifest
      pending.notified = security
        ? notifications.notify('security-required', NOTICE.securityRequired(version, risks))
        : notifications.notify('available', NOTICE.available(version))
    }
  }
}
