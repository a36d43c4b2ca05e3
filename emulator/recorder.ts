import type { EvidenceLog } from '../core/evidence.ts'
import { maskedExcerpt } from './body.ts'
import { FirstContact, NextContact, type Contact } from './contact.ts'
import { definedOnly } from './defined.ts'
import type { Exchange } from './exchange.ts'
import type { Hit, HitLog } from './hit-log.ts'
import type { Offer } from './offer.ts'
import { quoteMasked, redactQuery } from '../core/mask.ts'
import { certificateFingerprint, type ConnectionTag, type TlsMaterial } from './tls.ts'

/**
 * A TLS connection that carried no request: the certificate refused. The tag (`connection`,
 * `certificateSha256`, …) names the certificate it was accepted under.
 */
export interface HandshakeFailure extends Partial<ConnectionTag> {
  time: number
  remote?: string
  error: string
  /**
   * `handshake`: the handshake itself failed (an alert, a reset, a timeout, not TLS at all), or
   * had not completed when the certificate was swapped.
   * `after-handshake`: the client completed the handshake and closed without sending a request,
   * which is how some TLS stacks (Node's among them, with TLS 1.2) reject a certificate.
   * `held-open`: the client completed the handshake and kept the connection open without a
   * request (a TLS 1.3 client that checks the chain afterwards and sends no alert) until the
   * emulator closed it: at a certificate swap or after `idleMs`.
   */
  stage?: 'handshake' | 'after-handshake' | 'held-open'
  servername?: string
}

/** A connection that broke the protocol or stalled: garbage, a request never finished, silence. */
export interface ClientError extends Partial<ConnectionTag> {
  time: number
  remote?: string
  error: string
}

const CHANNEL = 'update-server'
/** How much of a fixed answer goes into the evidence. */
const BODY_EXCERPT = 2048

/**
 * Turns what the emulator sees into evidence entries (channel `update-server`) and into the logs
 * the suites read: hits, refused handshakes, misbehaving clients. Every summary and detail the
 * evidence log holds is written here.
 */
export class Recorder {
  /** The first request, handshake or protocol error seen. */
  readonly firstContact = new FirstContact()
  /** Every one of them, and idle connections closed, as they come. */
  readonly nextContact = new NextContact()
  private readonly failures: HandshakeFailure[] = []
  private readonly clientErrorLog: ClientError[] = []
  private hitSeq = 0

  constructor(
    private readonly evidence: Pick<EvidenceLog, 'record'> | undefined,
    private readonly hits: HitLog,
    /** `offerIds`: offer entries name the offer's ID (only when a template announces it). */
    private readonly options: { offerIds?: boolean } = {},
  ) {}

  handshakeFailures(): HandshakeFailure[] {
    return this.failures.map((f) => ({ ...f }))
  }

  clientErrors(): ClientError[] {
    return this.clientErrorLog.map((e) => ({ ...e }))
  }

  started(url: string, routes: string[]): void {
    this.record(`listening on ${url}`, { event: 'start', url, routes })
  }

  stopped(): void {
    this.record(`stopped (${this.hits.length} requests seen)`, { event: 'close', requests: this.hits.length })
  }

  tlsChanged(url: string, tls: TlsMaterial | undefined): void {
    const fingerprint = tls ? certificateFingerprint(tls.certPem) : undefined
    this.record(tls ? `TLS certificate now ${fingerprint}` : 'TLS off (plain HTTP)', { event: 'tls', url, certificateSha256: fingerprint })
  }

  offered(offer: Offer): void {
    const { image, size, fileSha256 } = offer
    const what = offer.announced ? 'offering' : 'serving, not announcing,'
    this.record(`${what} ${image.name} (version ${image.version})`, {
      event: 'offer',
      ...(!offer.announced && { announced: false }),
      ...(this.options.offerIds ? { offerId: offer.id } : {}),
      image: image.name,
      version: image.version,
      size,
      sha256: image.sha256,
      ...(image.sha256 !== fileSha256 ? { fileSha256, note: 'announced SHA-256 differs from the file' } : {}),
      ...(offer.valid ? { valid: offer.valid } : {}),
    })
  }

  withdrawn(offer: Offer): void {
    this.record(`no longer ${offer.announced ? 'offering' : 'serving'} ${offer.image.name}`, { event: 'withdraw', image: offer.image.name })
  }

  serverError(err: Error): void {
    this.record(`server error: ${err.message}`, { event: 'error', error: err.message })
  }

  handshakeCompleted(h: { remote?: string; servername?: string }): void {
    this.contact({ kind: 'handshake', time: Date.now(), ...definedOnly(h) })
  }

  handshakeFailure(f: Omit<HandshakeFailure, 'time'>): void {
    const failure: HandshakeFailure = { time: Date.now(), ...definedOnly(f) }
    this.failures.push(failure)
    this.contact({
      kind: 'handshake',
      time: failure.time,
      ...definedOnly({ remote: f.remote, servername: f.servername }),
      failure,
    })
    const from = f.remote ? ` ${f.stage === 'held-open' ? 'from' : 'with'} ${f.remote}` : ''
    const under = f.certificateSha256 ? ` (certificate ${f.certificateSha256})` : ''
    this.record(
      f.stage === 'held-open'
        ? `TLS connection${from}${under} carried no request: ${f.error}`
        : `TLS handshake${from}${under} failed: ${f.error}`,
      { event: f.stage === 'held-open' ? 'tls-no-request' : 'tls-handshake-failure', ...definedOnly(f) },
    )
  }

  /** `answeredWith`: the status sent before the connection was closed, if any. */
  clientError(e: Omit<ClientError, 'time'>, answeredWith?: number): void {
    const entry: ClientError = { time: Date.now(), ...e }
    this.clientErrorLog.push(entry)
    this.contact({ kind: 'client-error', time: entry.time, error: entry })
    this.record(`client error from ${entry.remote ?? 'unknown'}: ${entry.error}${answeredWith ? ` → ${answeredWith}` : ''}`, {
      event: 'client-error',
      ...definedOnly(entry),
      status: answeredWith,
    })
  }

  idleConnection(e: Omit<ClientError, 'time'>): void {
    const entry: ClientError = { time: Date.now(), ...e }
    this.clientErrorLog.push(entry)
    this.nextContact.seen()
    this.record(`idle connection from ${entry.remote ?? 'unknown'} closed`, { event: 'client-error', ...definedOnly(entry) })
  }

  /** A request that ended: answered, or left by its client (`completed: false`). */
  exchange(x: Omit<Exchange, 'res'>, completed: boolean): void {
    const query = redactQuery(x.rawQuery)
    const responseBody = x.responseBody === undefined ? undefined : quoteMasked(x.responseBody, undefined, BODY_EXCERPT + 1)
    const summary = `${x.method} ${x.path} → ${x.status || 'no answer'}${x.route ? ` (${x.route})` : ''}${completed ? '' : ', client went away'}`
    const detail = {
      method: x.method,
      path: x.path,
      query,
      headers: x.headers,
      remote: x.remote,
      remotePort: x.remotePort,
      tls: x.tls,
      route: x.route,
      status: x.status,
      bytesSent: x.bytesSent,
      completed,
      durationMs: Date.now() - x.time,
      requestBytes: x.requestBytes,
      requestSha256: x.requestSha256,
      requestBody: x.body && maskedExcerpt(x.body, BODY_EXCERPT),
      responseHeaders: x.responseHeaders,
      responseBody: responseBody || undefined,
      image: x.image,
      error: x.error,
    }
    const id = this.record(summary, detail) ?? `H${String(++this.hitSeq).padStart(6, '0')}`
    const hit: Hit = definedOnly({
      id,
      time: x.time,
      method: x.method,
      path: x.path,
      query,
      headers: x.headers,
      remote: x.remote,
      tls: x.tls,
      route: x.route,
      status: x.status,
      bytesSent: x.bytesSent,
      completed,
      part: x.image?.part,
      body: x.body?.text,
      ...(x.body?.json ? { bodyJson: x.body.json.value } : {}),
    })
    this.hits.add(hit)
    this.contact({ kind: 'request', time: hit.time, hit })
  }

  private contact(c: Contact): void {
    this.firstContact.seen(c)
    this.nextContact.seen()
  }

  private record(summary: string, detail: Record<string, unknown>): string | undefined {
    return this.evidence?.record({ channel: CHANNEL, summary, detail: definedOnly(detail) })
  }
}
