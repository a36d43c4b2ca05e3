/**
 * An in-memory device under test and an in-memory update server, for fast unit tests of the
 * functional judges. The defaults describe a conformant device; each test scripts the flaw or the
 * failure it needs by changing a knob (`accepts`, `ignores`, `contactsServer`, `fault`, …).
 *
 * The session that wires them to a profile is built in `fake-session.ts`, nowhere else.
 */
import { createHash } from 'node:crypto'
import { Agent, request } from 'undici'
import {
  DutError,
  notDeclared,
  OPERATIONS,
  type DeliverOptions,
  type DeliveryReceipt,
  type Dut,
  type DutIdentity,
  type DutNotification,
  type ImageSource,
  type Operation,
  type SettingChange,
  type UpdateOutcome,
  type UpdateSettings,
} from '../../../core/dut.ts'
import type { EvidenceLog } from '../../../core/evidence.ts'
import type { ClientError, HandshakeFailure, Hit, OfferedImage, TlsMaterial } from '../../../emulator/index.ts'
import { certificateFingerprint, type ConnectionTag } from '../../../emulator/tls.ts'

export const ALL_CHANGES: readonly SettingChange[] = [
  'enable-automatic-updates',
  'disable-automatic-updates',
  'postpone-automatic-updates',
  'enable-notifications',
  'disable-notifications',
  'postpone-notifications',
]

/** The answers to initialization's consent question, for devices whose profile can give them. */
export const CONSENT_CHANGES: readonly SettingChange[] = ['consent-automatic-updates', 'decline-automatic-updates']

/** Every operation but the ones named: for devices whose profile lacks some. */
export const operationsWithout = (...missing: Operation[]): Operation[] => OPERATIONS.filter((op) => !missing.includes(op))

/** Every setting change but the ones named. */
export const changesWithout = (...missing: SettingChange[]): SettingChange[] => ALL_CHANGES.filter((c) => !missing.includes(c))

/** What the adapters throw when the device does not answer in time. */
export const timeout = (op: Operation, ms = 300): DutError => new DutError('E_DUT_TIMEOUT', op, `no answer within ${ms} ms`)

/** The device answers identify no more once it has been asked to `after` (say, after an impostor experiment). */
export function silentAfter(dut: FakeDut, after: Operation): void {
  let asked = false
  dut.fault = (op) => {
    if (asked && op === 'identify') return timeout('identify')
    if (op === after) asked = true
    return undefined
  }
}

/** `a` is a newer dotted version than `b`. */
export function newer(a: string, b: string): boolean {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d > 0
  }
  return false
}

/** An image the device got hold of: uploaded, fetched from a URL, or downloaded from its update server. */
export interface SeenImage {
  name: string
  version: string
  sha256: string
  via: 'upload' | 'url' | 'update-server'
}

/** What the update server announced to the device. */
export interface Announcement {
  name: string
  version: string
  url: string
}

/** How the device reaches its update server (fake or real emulator). */
export interface ServerLink {
  /** One update check; the announced update, if any. Throws when the connection fails (TLS refused). */
  check(): Promise<Announcement | undefined>
  /** Downloads an image whole; undefined when the server had none at the URL. */
  download(url: string): Promise<{ sha256: string } | undefined>
}

export interface FakeDutOptions {
  model?: string
  /** The baseline software; `restore` returns to it. Default 1.0.0. */
  version?: string
  /** Operations the profile declares. Default: all. */
  operations?: readonly Operation[]
  /** Setting changes the profile declares (with change-settings). Default: all. */
  changes?: readonly SettingChange[]
  /** The initialized state (after a factory reset). Default: both on. */
  settings?: { automaticUpdates: boolean; notifications: boolean }
}

export class FakeDut implements Dut {
  model: string
  version: string
  readonly baselineVersion: string
  readonly factorySettings: { automaticUpdates: boolean; notifications: boolean }
  automaticUpdates: boolean
  notificationsOn: boolean
  automaticUpdatesPostponed = false
  notificationsPostponed = false
  readonly declared: ReadonlySet<Operation>
  readonly declaredChanges: ReadonlySet<SettingChange>

  // --- what the test can read afterwards ----------------------------------------------------
  /** Every operation asked of the device, in order (declared or not). */
  readonly calls: Operation[] = []
  /** Every image the device got hold of whole. */
  readonly received: SeenImage[] = []
  /** Update checks the device made (whether or not the server answered). */
  checks = 0
  notifications: DutNotification[] = []
  lastOutcome: UpdateOutcome | undefined
  /** Downloaded but held back (automatic updates off or postponed). */
  held: SeenImage | undefined
  /** Installations still running (installDelayMs); restore and factory reset abort them. */
  private readonly installing = new Set<NodeJS.Timeout>()

  // --- wiring (set by fake-session.ts) ------------------------------------------------------
  evidence: EvidenceLog | undefined
  link: ServerLink | undefined
  /** SHA-256 of the images whose signature verifies (the genuine valid and older images). */
  readonly genuine = new Set<string>()
  /** The update server's genuine certificate: the only one a conformant device accepts. */
  genuineCertPem: string | undefined

  // --- behaviour; the defaults are a conformant device --------------------------------------
  /** Monotonic version counter: older or equal versions are neither downloaded nor installed. */
  antiRollback = true
  /** Anti-rollback against the baseline (factory) version, not the installed one: it goes back to it once updated. */
  factoryFloor = false
  /** Verification of an image the device got hold of. */
  accepts: (image: SeenImage) => boolean = (image) => this.genuine.has(image.sha256) && this.notRollback(image.version)
  /** check-now makes the device contact its update server. */
  contactsServer = true
  /** Downloads an announced update (also while it would hold it back). */
  downloads: (offer: Announcement) => boolean = () => true
  /** When above 0, the check ends at once and the download starts that much later (real ms), as a client that schedules it does. */
  downloadDelayMs = 0
  /** Fetches the image when deliver-image gives it a URL. */
  fetchesUrl: (url: string) => boolean = () => true
  /** Downloads the parts of a multi-file image after its main file (a payload beside its manifest). */
  fetchesParts = true
  /** Installs downloaded updates by itself when automatic updates are on and not postponed. */
  installsAutomatically = true
  /** Shows a notification when it learns of an update (and notifications are on). */
  announces = true
  /** The user's consent during initialization turns automatic updates on; declining turns them off. */
  consentEnables = true
  declineDisables = true
  /** Setting changes the device acknowledges and then ignores. */
  readonly ignores = new Set<SettingChange>()
  /** Accepts any TLS certificate from its update server. */
  trustsAnyCertificate = false
  /** Accepts no TLS certificate at all, not even the genuine one (a broken trust store). */
  trustsNoCertificate = false
  /** How long (real ms) installing an accepted image takes; until then the outcome is pending. */
  installDelayMs: (image: SeenImage) => number = () => 0
  /** Called before every operation: return an error to make the operation throw it. */
  fault: ((op: Operation, dut: FakeDut) => Error | undefined) | undefined
  /** Scripted answers that replace the device's own. */
  readonly answers: {
    identify?: (dut: FakeDut) => DutIdentity
    readSettings?: (dut: FakeDut) => UpdateSettings
    readOutcome?: (dut: FakeDut) => UpdateOutcome
    /** An answer to an upload given instead of taking the image (a connection cut before it arrived): the image is not received. */
    upload?: (dut: FakeDut, image: ImageSource) => DeliveryReceipt | undefined
  } = {}
  /** What the device does when restarted (e.g. schedule its update checks). */
  onReboot: ((dut: FakeDut, at: number) => void) | undefined

  private notRollback(version: string): boolean {
    if (!this.antiRollback) return true
    return this.factoryFloor ? !newer(this.baselineVersion, version) : newer(version, this.version)
  }

  constructor(options: FakeDutOptions = {}) {
    this.model = options.model ?? 'TS701-REF-1'
    this.version = options.version ?? '1.0.0'
    this.baselineVersion = this.version
    this.factorySettings = { automaticUpdates: true, notifications: true, ...options.settings }
    this.automaticUpdates = this.factorySettings.automaticUpdates
    this.notificationsOn = this.factorySettings.notifications
    this.declared = new Set(options.operations ?? OPERATIONS)
    this.declaredChanges = new Set(this.declared.has('change-settings') ? (options.changes ?? ALL_CHANGES) : [])
  }

  supports(op: Operation, change?: SettingChange): boolean {
    if (op === 'change-settings') return change ? this.declaredChanges.has(change) : this.declaredChanges.size > 0
    return this.declared.has(op)
  }

  /** Every operation goes through here: recorded, refused when undeclared, faulted when scripted. */
  private enter(op: Operation, detail?: string): void {
    this.calls.push(op)
    this.evidence?.record({ channel: 'fake-dut', summary: detail ? `${op} ${detail}` : op })
    if (!this.declared.has(op)) throw notDeclared(op)
    const err = this.fault?.(op, this)
    if (err) throw err
  }

  async identify(): Promise<DutIdentity> {
    this.enter('identify')
    return this.answers.identify?.(this) ?? { model: this.model, version: this.version }
  }

  async readSettings(): Promise<UpdateSettings> {
    this.enter('read-settings')
    return this.answers.readSettings?.(this) ?? { automaticUpdates: this.automaticUpdates, notifications: this.notificationsOn }
  }

  async changeSettings(change: SettingChange): Promise<void> {
    this.enter('change-settings', change)
    if (!this.declaredChanges.has(change)) {
      throw new DutError('E_DUT_NOT_DECLARED', 'change-settings', `setting change ${change} not declared in the DUT profile`)
    }
    if (this.ignores.has(change)) return
    switch (change) {
      case 'enable-automatic-updates':
        this.automaticUpdates = true
        this.automaticUpdatesPostponed = false
        break
      case 'disable-automatic-updates':
        this.automaticUpdates = false
        break
      case 'postpone-automatic-updates':
        this.automaticUpdatesPostponed = true
        break
      case 'enable-notifications':
        this.notificationsOn = true
        this.notificationsPostponed = false
        break
      case 'disable-notifications':
        this.notificationsOn = false
        break
      case 'postpone-notifications':
        this.notificationsPostponed = true
        break
      case 'consent-automatic-updates':
        if (this.consentEnables) this.automaticUpdates = true
        break
      case 'decline-automatic-updates':
        if (this.declineDisables) this.automaticUpdates = false
        break
    }
  }

  async deliverImage(image: ImageSource, options: DeliverOptions = {}): Promise<DeliveryReceipt> {
    this.enter('deliver-image', image.name)
    // The harness hands over the offered image, whose version the image claims.
    const version = (image as Partial<OfferedImage>).version ?? this.version
    if (options.imageUrl) {
      if (!this.link || !this.fetchesUrl(options.imageUrl)) return { status: 202, accepted: true, message: 'download queued' }
      const got = await this.link.download(options.imageUrl)
      if (!got) return { status: 200, accepted: false, message: 'download failed' }
      return this.receipt(this.take({ name: image.name, version, sha256: got.sha256, via: 'url' }))
    }
    const instead = this.answers.upload?.(this, image)
    if (instead) return instead
    return this.receipt(this.take({ name: image.name, version, sha256: image.sha256, via: 'upload' }))
  }

  private receipt(accepted: boolean): DeliveryReceipt {
    return accepted
      ? { status: 200, accepted, message: 'installing' }
      : { status: 200, accepted, message: 'this file is not a valid update for this device' }
  }

  async readOutcome(): Promise<UpdateOutcome> {
    this.enter('read-outcome')
    return this.answers.readOutcome?.(this) ?? this.lastOutcome ?? { state: 'unknown', detail: 'no final outcome within 200 ms' }
  }

  async readNotifications(): Promise<DutNotification[]> {
    this.enter('read-notifications')
    return this.notifications.map((n) => ({ ...n }))
  }

  async checkNow(): Promise<void> {
    this.enter('check-now')
    if (this.contactsServer) await this.check()
  }

  async reboot(): Promise<void> {
    this.enter('reboot')
    this.onReboot?.(this, Date.now())
  }

  async factoryReset(): Promise<void> {
    this.enter('factory-reset')
    this.automaticUpdates = this.factorySettings.automaticUpdates
    this.notificationsOn = this.factorySettings.notifications
    this.automaticUpdatesPostponed = false
    this.notificationsPostponed = false
    this.notifications = []
    this.held = undefined
    this.abortInstallations()
  }

  async restore(): Promise<void> {
    this.enter('restore')
    this.version = this.baselineVersion
    this.lastOutcome = undefined
    this.held = undefined
    this.abortInstallations()
  }

  private abortInstallations(): void {
    for (const t of this.installing) clearTimeout(t)
    this.installing.clear()
  }

  async close(): Promise<void> {}

  /** One update check against the update server, as the device would make it by itself. */
  async check(): Promise<void> {
    this.checks++
    if (!this.link) return
    let offer: Announcement | undefined
    try {
      offer = await this.link.check()
    } catch {
      return // the connection failed (e.g. the certificate was refused): nothing learned
    }
    if (!offer) return
    if (!this.notRollback(offer.version)) return
    if (this.announces && this.notificationsOn && !this.notificationsPostponed) {
      this.notifications.push({ text: `Update ${offer.version} available`, kind: 'available', time: new Date().toISOString() })
    }
    if (!this.downloads(offer)) return
    const link = this.link
    const fetch = async () => {
      const got = await link.download(offer.url)
      if (got) this.take({ name: offer.name, version: offer.version, sha256: got.sha256, via: 'update-server' })
    }
    if (this.downloadDelayMs > 0) setTimeout(() => void fetch(), this.downloadDelayMs).unref()
    else await fetch()
  }

  /** Verifies what the device got hold of and installs it, or holds it back; true when accepted. */
  private take(image: SeenImage): boolean {
    this.received.push(image)
    if (!this.accepts(image)) {
      this.lastOutcome = { state: 'rejected', detail: 'signature check failed' }
      return false
    }
    const automatic = this.automaticUpdates && !this.automaticUpdatesPostponed && this.installsAutomatically
    if (image.via === 'update-server' && !automatic) {
      this.held = image
      this.lastOutcome = { state: 'pending', detail: 'waiting for the user' }
      return true
    }
    const finish = () => {
      this.version = image.version
      this.lastOutcome = { state: 'installed', version: image.version }
    }
    const delay = this.installDelayMs(image)
    if (delay > 0) {
      this.lastOutcome = { state: 'pending', detail: 'installing' }
      const timer = setTimeout(() => {
        this.installing.delete(timer)
        finish()
      }, delay)
      timer.unref()
      this.installing.add(timer)
    } else {
      finish()
    }
    return true
  }
}

// --- the fake update server ------------------------------------------------------------------

interface Waiter {
  predicate: (h: Hit) => boolean
  since: number
  resolve: (h: Hit | undefined) => void
  timer: NodeJS.Timeout
}

/**
 * The part of `UpdateServerEmulator` the judges use, in memory: offers, hits, TLS swaps and
 * handshake failures. The device side (`FakeServerLink`) records hits as a device's requests would.
 * With TLS, hits and refusals carry the tag of a connection accepted under the current certificate,
 * as the real emulator's do; `connection()` opens one to use later (a keep-alive connection).
 */
export class FakeUpdateServer {
  tls: TlsMaterial | undefined
  private current: OfferedImage | undefined
  private readonly log: Hit[] = []
  private readonly failures: HandshakeFailure[] = []
  private readonly waiters = new Set<Waiter>()
  private readonly contactWaiters = new Set<() => void>()
  private seq = 0
  private connections = 0
  private generation = 0

  constructor(
    private readonly evidence: EvidenceLog | undefined,
    tls?: TlsMaterial,
  ) {
    this.tls = tls
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:8702`
  }

  async offer(image: OfferedImage): Promise<void> {
    this.current = { ...image }
    this.evidence?.record({ channel: 'update-server', summary: `offering ${image.name} (version ${image.version})` })
  }

  withdraw(): void {
    if (this.current) this.evidence?.record({ channel: 'update-server', summary: `no longer offering ${this.current.name}` })
    this.current = undefined
  }

  offered(): OfferedImage | undefined {
    return this.current && { ...this.current }
  }

  async setTls(tls: TlsMaterial | undefined): Promise<void> {
    this.tls = tls
    this.generation++
  }

  /** A TLS connection accepted now under the current certificate (undefined on plain HTTP). */
  connection(acceptedAt = Date.now()): ConnectionTag | undefined {
    if (!this.tls) return undefined
    const certificateSha256 = certificateFingerprint(this.tls.certPem)
    return { connection: ++this.connections, generation: this.generation, certificateSha256, acceptedAt }
  }

  hits(): Hit[] {
    return this.log.map((h) => ({ ...h }))
  }

  handshakeFailures(): HandshakeFailure[] {
    return this.failures.map((f) => ({ ...f }))
  }

  /** The fake device never garbles a request. */
  clientErrors(): ClientError[] {
    return []
  }

  resetState(): void {}

  waitForHit(predicate: (h: Hit) => boolean, options: { timeoutMs: number; since?: number }): Promise<Hit | undefined> {
    const since = options.since ?? Number.NEGATIVE_INFINITY
    const found = this.log.find((h) => h.time >= since && predicate({ ...h }))
    if (found) return Promise.resolve({ ...found })
    return new Promise((resolve) => {
      const waiter: Waiter = {
        predicate,
        since,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          resolve(undefined)
        }, options.timeoutMs),
      }
      this.waiters.add(waiter)
    })
  }

  /** True at the fake device's next request or refused handshake, false after `timeoutMs`. */
  waitForContact(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.contactWaiters.delete(wake)
        resolve(false)
      }, timeoutMs)
      const wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
      this.contactWaiters.add(wake)
    })
  }

  async close(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer)
      w.resolve(undefined)
    }
    this.waiters.clear()
  }

  private contact(): void {
    const waking = [...this.contactWaiters]
    this.contactWaiters.clear()
    waking.forEach((wake) => wake())
  }

  // --- the device's side ----------------------------------------------------------------------

  /**
   * Records one request the device made; `time` may be given to place it on a timeline, `on` a
   * connection opened earlier (else a new one under the current certificate).
   */
  hit(request: {
    path: string
    route?: string
    status?: number
    completed?: boolean
    bytesSent?: number
    time?: number
    on?: ConnectionTag
    part?: string
  }): Hit {
    const time = request.time ?? Date.now()
    const tag = request.on ?? this.connection(time)
    const id =
      this.evidence?.record({ channel: 'update-server', summary: `GET ${request.path} → ${request.status ?? 200}` }) ??
      `H${String(++this.seq).padStart(6, '0')}`
    const hit: Hit = {
      id,
      time,
      method: 'GET',
      path: request.path,
      query: {},
      headers: {},
      remote: '127.0.0.1',
      ...(tag && { tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', ...tag } }),
      ...(request.route !== undefined && { route: request.route }),
      status: request.status ?? 200,
      bytesSent: request.bytesSent ?? 0,
      completed: request.completed ?? true,
      ...(request.part !== undefined && { part: request.part }),
    }
    this.log.push(hit)
    for (const w of this.waiters) {
      if (hit.time >= w.since && w.predicate({ ...hit })) {
        clearTimeout(w.timer)
        this.waiters.delete(w)
        w.resolve({ ...hit })
      }
    }
    this.contact()
    return hit
  }

  /** Records a TLS connection that carried no request: a handshake the device broke off, or one it held open. */
  refuseHandshake(error: string, time = Date.now(), stage: HandshakeFailure['stage'] = 'handshake'): void {
    this.evidence?.record({ channel: 'update-server', summary: `TLS handshake failed: ${error}` })
    this.failures.push({ time, remote: '127.0.0.1', error, stage, ...this.connection(time) })
    this.contact()
  }
}

/** The device talking to the fake update server: the reference DUT's routes, TLS checked against the genuine certificate. */
export class FakeServerLink implements ServerLink {
  constructor(
    private readonly server: FakeUpdateServer,
    private readonly dut: FakeDut,
  ) {}

  private handshake(): void {
    const tls = this.server.tls
    if (!tls || this.dut.trustsAnyCertificate) return
    if (this.dut.trustsNoCertificate || tls.certPem !== this.dut.genuineCertPem) {
      this.server.refuseHandshake('certificate verify failed')
      throw new Error('certificate verify failed')
    }
  }

  async check(): Promise<Announcement | undefined> {
    this.handshake()
    const offer = this.server.offered()
    this.server.hit({ path: '/v1/check', route: offer ? 'check-offering' : 'check-idle' })
    return offer && { name: offer.name, version: offer.version, url: `${this.server.url}/images/${encodeURIComponent(offer.name)}` }
  }

  async download(url: string): Promise<{ sha256: string } | undefined> {
    this.handshake()
    const path = new URL(url).pathname
    const offer = this.server.offered()
    const name = decodeURIComponent(path.split('/').pop() ?? '')
    if (!offer || offer.name !== name) {
      this.server.hit({ path, status: 404 })
      return undefined
    }
    this.server.hit({ path, route: 'image', bytesSent: offer.size })
    for (const [part, file] of Object.entries(offer.parts ?? {})) {
      if (this.dut.fetchesParts) this.server.hit({ path: `${path}/${part}`, route: `image-${part}`, part, bytesSent: file.size })
    }
    return { sha256: offer.sha256 }
  }
}

/** The device talking HTTP(S) to a real `UpdateServerEmulator`, trusting what the fake device trusts. */
export class HttpServerLink implements ServerLink {
  constructor(
    private readonly base: () => Promise<string>,
    private readonly dut: FakeDut,
    private readonly caPem?: string,
  ) {}

  private readonly agents = new Map<string, Agent>()

  /** One keep-alive pool per trust setting, kept open: a device does not hang up mid-answer. */
  private agent(): Agent {
    const mode = this.dut.trustsAnyCertificate ? 'any' : this.dut.trustsNoCertificate ? 'none' : 'ca'
    let agent = this.agents.get(mode)
    if (!agent) {
      agent = new Agent({
        connect: mode === 'any' ? { rejectUnauthorized: false } : { ...(mode === 'ca' && this.caPem && { ca: this.caPem }) },
      })
      this.agents.set(mode, agent)
    }
    return agent
  }

  private async get(url: string): Promise<{ status: number; body: Buffer }> {
    const res = await request(url, { dispatcher: this.agent(), headersTimeout: 5_000, bodyTimeout: 5_000 })
    return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) }
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.destroy()))
    this.agents.clear()
  }

  async check(): Promise<Announcement | undefined> {
    const { status, body } = await this.get(`${await this.base()}/v1/check`)
    if (status !== 200) return undefined
    const answer = JSON.parse(body.toString('utf8')) as { available?: boolean; version?: string; url?: string }
    if (!answer.available || !answer.url || !answer.version) return undefined
    const name = decodeURIComponent(new URL(answer.url).pathname.split('/').pop() ?? '')
    return { name, version: answer.version, url: answer.url }
  }

  async download(url: string): Promise<{ sha256: string } | undefined> {
    const { status, body } = await this.get(url)
    if (status !== 200) return undefined
    return { sha256: createHash('sha256').update(body).digest('hex') }
  }
}
