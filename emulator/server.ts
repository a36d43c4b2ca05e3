import type { IncomingMessage, ServerResponse } from 'node:http'
import type { EvidenceLog } from '../core/evidence.ts'
import type { EmulatorRoute, UpdateServerConfig } from '../profile/types.ts'
import type { Contact } from './contact.ts'
import { EmulatorClosedError, EmulatorConfigError } from './errors.ts'
import { openExchange, type Exchange } from './exchange.ts'
import { HitLog, type Hit } from './hit-log.ts'
import { Listener, withDefaults, type EmulatorTimeouts } from './listener.ts'
import { loopbackHost } from './loopback.ts'
import { Offers, type OfferedImage, type OfferOptions } from './offer.ts'
import { emulatorOptions, type ProfileExtras } from './profile-options.ts'
import { Recorder, type ClientError, type HandshakeFailure } from './recorder.ts'
import { Responder } from './responder.ts'
import { Router } from './router.ts'
import { compileConfig } from './routes.ts'
import { checkTls, type TlsMaterial } from './tls.ts'

export type { ClientError, Contact, EmulatorTimeouts, HandshakeFailure, Hit, OfferedImage, OfferOptions, TlsMaterial }

export interface EmulatorOptions {
  /** Loopback only (127.0.0.0/8, ::1; `localhost` means 127.0.0.1). */
  host: string
  /** 0 = ephemeral. */
  port: number
  tls?: TlsMaterial
  routes: EmulatorRoute[]
  imagePath: string
  /** Where each part of a multi-file image is served; default: the image path then `/{{part.name}}`. */
  partPath?: string
  /** The interval `{{announceInterval}}` tells the device, ISO-8601. */
  announceInterval?: string
  /** The old name of `announceInterval`; when both are given they must agree. */
  pollInterval?: string
  /**
   * The first `{{offer.id}}`; each later offer counts up by one. Default: the start time in
   * seconds, so a device that remembers deployment IDs across runs never sees an old one again.
   */
  firstOfferId?: number
  evidence?: EvidenceLog
  /** Limits against clients that stall; the defaults suit real devices. */
  timeouts?: EmulatorTimeouts
}

/**
 * The vendor's update server, played by ts701. Answers as the DUT profile's routes declare,
 * serves the image the running unit offers, and records every request with its timing and TLS
 * details for the suites (`hits()`, `waitForHit`) and the evidence log.
 */
export class UpdateServerEmulator {
  private readonly hitLog = new HitLog()
  private readonly recorder: Recorder
  private readonly offers: Offers
  private readonly router: Router
  private readonly responder: Responder
  private readonly listener: Listener
  /** setTls and close run one after another, never interleaved. */
  private queue: Promise<unknown> = Promise.resolve()
  private closing: Promise<void> | undefined

  private constructor(options: EmulatorOptions, host: string) {
    const config = compileConfig(options)
    if (options.tls) checkTls(options.tls)
    this.recorder = new Recorder(options.evidence, this.hitLog, { offerIds: config.usesOfferId })
    this.offers = new Offers(this.recorder, firstOfferId(options.firstOfferId), config.usesLegacyDigests)
    this.router = new Router(config.routes)
    this.responder = new Responder({ config, router: this.router, offers: this.offers, baseUrl: () => this.url })
    this.listener = new Listener(host, withDefaults(options.timeouts), options.tls, this.recorder, (req, res) => this.exchange(req, res))
  }

  static async start(options: EmulatorOptions): Promise<UpdateServerEmulator> {
    const host = loopbackHost(options.host)
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
      throw new EmulatorConfigError(`update server port ${JSON.stringify(options.port)} is not a TCP port (0 … 65535)`)
    }
    const emulator = new UpdateServerEmulator(options, host)
    await emulator.listener.listen(options.port)
    emulator.recorder.started(emulator.url, emulator.router.names)
    return emulator
  }

  /** e.g. `https://127.0.0.1:8702`; the scheme follows the current TLS setting. */
  get url(): string {
    return this.listener.url
  }

  /**
   * Offers an image from now on, under a new `{{offer.id}}`. Digests are computed by streaming
   * the file. `valid`: the genuine image when `image` is a tampered one (`{{valid.*}}`).
   */
  offer(image: OfferedImage, options?: OfferOptions): Promise<void> {
    return this.offers.set(image, options)
  }

  withdraw(): void {
    this.offers.withdraw()
  }

  offered(): OfferedImage | undefined {
    return this.offers.offered()
  }

  /**
   * Swaps the certificate (an impostor's, then back) on the same port. TLS to TLS replaces the
   * secure context and closes every connection made before, busy ones included (their requests
   * are recorded first), so nothing that arrives afterwards rides on the old certificate; between
   * plain and TLS the listener restarts on the same port.
   */
  setTls(tls: TlsMaterial | undefined): Promise<void> {
    return this.serial(async () => {
      if (this.closing) throw new EmulatorClosedError()
      await this.listener.setTls(tls)
      this.recorder.tlsChanged(this.url, tls)
    })
  }

  hits(): Hit[] {
    return this.hitLog.list()
  }

  handshakeFailures(): HandshakeFailure[] {
    return this.recorder.handshakeFailures()
  }

  /** Connections that sent garbage, stalled, or stayed silent (not part of `hits()`). */
  clientErrors(): ClientError[] {
    return this.recorder.clientErrors()
  }

  /** Forgets which routes have answered (for `afterSeen` / `untilSeen`); the hit log stays. */
  resetState(): void {
    this.router.reset()
  }

  /**
   * The first hit (recorded ones included, from `since` on when given) that satisfies the
   * predicate; `undefined` after `timeoutMs` or when the emulator closes. A hit is recorded when
   * its answer is complete or the client left.
   */
  waitForHit(predicate: (h: Hit) => boolean, options: { timeoutMs: number; since?: number }): Promise<Hit | undefined> {
    return this.hitLog.waitFor(predicate, options)
  }

  /**
   * The device's first contact: its first request, TLS handshake (completed or refused) or
   * protocol error, at once when it already happened; `undefined` after `timeoutMs` or on close.
   * For a device that starts checking on its own schedule: start the emulator before the device.
   */
  waitForFirstContact(timeoutMs: number): Promise<Contact | undefined> {
    return this.recorder.firstContact.wait(timeoutMs)
  }

  /**
   * True at the device's next move on the port (a request recorded, a handshake completed or
   * refused, a protocol error, an idle connection closed), false after `timeoutMs` or on close: a
   * watch that reads the logs wakes when there is something new to read.
   */
  waitForContact(timeoutMs: number): Promise<boolean> {
    return this.recorder.nextContact.wait(timeoutMs)
  }

  /** Stops listening and drops every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.hitLog.close()
      this.recorder.firstContact.close()
      this.recorder.nextContact.close()
      this.closing = this.serial(async () => {
        await this.listener.stop()
        this.hitLog.release()
        this.recorder.stopped()
      })
    }
    return this.closing
  }

  /** Answered once the whole request is in; recorded once the answer is out or the client left. */
  private exchange(req: IncomingMessage, res: ServerResponse): Exchange {
    const exchange: Exchange = openExchange(
      req,
      res,
      (x, completed) => this.recorder.exchange(x, completed),
      () => void this.responder.respond(req, res, exchange, this.listener.outdated(req.socket)),
    )
    return exchange
  }

  /** Started from the DUT profile's `updateServer` section (TLS files read here). */
  static async fromProfile(server: UpdateServerConfig, extra: ProfileExtras = {}): Promise<UpdateServerEmulator> {
    return UpdateServerEmulator.start(await emulatorOptions(server, extra))
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => {})
    return run
  }
}

function firstOfferId(given: number | undefined): number {
  if (given === undefined) return Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(given) || given < 0)
    throw new EmulatorConfigError(`firstOfferId ${JSON.stringify(given)} is not a whole number ≥ 0`)
  return given
}
