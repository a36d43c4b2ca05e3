import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Exchange } from './exchange.ts'
import type { Offer, Offers } from './offer.ts'
import type { Router } from './router.ts'
import type { CompiledConfig } from './routes.ts'
import { hasHeader, sendFixed, TEXT } from './send-fixed.ts'
import { sendImage } from './send-image.ts'
import { conditionsHold } from './condition.ts'
import { render, type ImageValues, type PartValues, type TemplateContext } from './template.ts'

export interface ResponderParts {
  config: CompiledConfig
  router: Router
  offers: Offers
  /** Where the emulator is reachable now (the scheme changes with TLS); image URLs start with it. */
  baseUrl(): string
}

/** Answers a request as its route declares: a rendered template or the offered image. */
export class Responder {
  constructor(private readonly parts: ResponderParts) {}

  /**
   * Never rejects: a failure is recorded in the exchange and answered with 500, or the
   * connection is dropped when the answer had already begun.
   */
  async respond(req: IncomingMessage, res: ServerResponse, exchange: Exchange, closeConnection: boolean): Promise<void> {
    try {
      await this.answer(req, res, exchange, closeConnection)
    } catch (e) {
      exchange.error = (e as Error)?.message ?? String(e)
      if (res.headersSent || res.destroyed) {
        res.destroy()
        return
      }
      sendFixed(res, exchange, 500, { 'Content-Type': TEXT }, 'update-server emulator error\n', false)
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse, exchange: Exchange, closeConnection: boolean): Promise<void> {
    if (res.destroyed) return
    const { config, router, offers } = this.parts
    const head = exchange.method.toUpperCase() === 'HEAD'
    if (closeConnection) res.setHeader('Connection', 'close')
    const offer = offers.current
    const request: TemplateContext = {
      ...(offer && this.offerValues(offer)),
      interval: config.interval,
      intervalSeconds: config.intervalSeconds,
      query: exchange.rawQuery,
      params: {},
      headers: exchange.headers,
      body: exchange.body,
    }
    const state = offer === undefined ? 'none' : offer.announced ? 'announced' : 'served'
    const matched = router.choose(exchange.method, exchange.path, state, (compiled, params) =>
      conditionsHold(compiled.conditions, { ...request, params }),
    )
    if (!matched) {
      sendFixed(res, exchange, 404, { 'Content-Type': TEXT }, `no route for ${exchange.method} ${exchange.path}\n`, head)
      return
    }
    const { compiled, params } = matched
    exchange.route = compiled.name
    const ctx: TemplateContext = { ...request, params }
    const headers: Record<string, string> = {}
    for (const [name, template] of compiled.headers) headers[name] = render(template, ctx)
    if (compiled.route.serve === 'image') {
      if (!offer) {
        sendFixed(res, exchange, 404, { 'Content-Type': TEXT }, 'no image offered\n', head)
        return
      }
      await sendImage(req, res, exchange, { status: compiled.route.status, headers }, offer, head, compiled.route.part)
      return
    }
    const body = compiled.body ? render(compiled.body, ctx) : ''
    if (body !== '' && !hasHeader(headers, 'content-type')) headers['Content-Type'] = guessType(body)
    sendFixed(res, exchange, compiled.route.status, headers, body, head)
  }

  /** What `{{image.*}}`, `{{valid.*}}` and `{{offer.*}}` insert while `offer` is on. */
  private offerValues(offer: Offer): Pick<TemplateContext, 'image' | 'valid' | 'offer'> {
    const valid = offer.valid ?? { sha256: offer.fileSha256, size: offer.size, version: offer.image.version }
    const values = {
      valid: { sha256: valid.sha256, size: String(valid.size), version: valid.version },
      offer: { id: String(offer.id), version: offer.image.version },
    }
    // imagePath and partPath cannot use URLs (checked at start), so they render without them.
    const bare = { query: {}, params: {}, image: imageFacts(offer, ''), ...values }
    const base = this.parts.baseUrl()
    const path = render(this.parts.config.imagePath, bare, encodeURIComponent)
    const parts: Record<string, PartValues> = {}
    for (const [name, part] of Object.entries(offer.parts)) {
      const at = render(this.parts.config.partPath, { ...bare, part: { name } }, encodeURIComponent)
      parts[name] = { url: `${base}${at}`, size: String(part.size), sha256: part.sha256, base64: part.base64 ?? '' }
    }
    return { image: { ...imageFacts(offer, `${base}${path}`), parts }, ...values }
  }
}

function imageFacts(offer: Offer, url: string): ImageValues {
  return {
    url,
    name: offer.image.name,
    size: String(offer.size),
    sha256: offer.image.sha256,
    // Computed on offer whenever a template inserts them; no template that renders this reads them otherwise.
    sha1: offer.sha1 ?? '',
    md5: offer.md5 ?? '',
    version: offer.image.version,
  }
}

function guessType(body: string): string {
  try {
    JSON.parse(body)
    return 'application/json'
  } catch {
    return TEXT
  }
}
