/**
 * The vendor's own protocol: `GET /v1/check?hw&version&counter` answers an offer in JSON. The
 * device tells the server nothing else; the lab reads it through the device's API.
 */
import { SimError } from '../errors.ts'
import { NO_OFFER, type CheckAnswer, type Offer, type ProtocolContext, type UpdateProtocol } from './protocol.ts'

export class VendorProtocol implements UpdateProtocol {
  readonly name = 'vendor'

  checkUrl(ctx: ProtocolContext): URL {
    const url = new URL('/v1/check', ctx.serverUrl)
    const { hardwareId, version, counter } = ctx.device
    url.search = new URLSearchParams({ hw: hardwareId, version, counter: String(counter) }).toString()
    return url
  }

  async check(url: URL, ctx: ProtocolContext): Promise<CheckAnswer> {
    return { offer: parseOffer(await ctx.transport.getJson(url, ctx.signal), ctx.maxImageBytes) }
  }

  async reportAttributes(): Promise<void> {}

  async reportDeployment(): Promise<void> {}
}

/** The check answer is unauthenticated: it is only a hint, the signed manifest decides. */
export function parseOffer(value: unknown, maxImageBytes: number): Offer {
  const bad = (why: string) => new SimError('E_SIM_CHECK', `malformed check answer: ${why}`)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object')
  const o = value as Record<string, unknown>
  if (typeof o.available !== 'boolean') throw bad('"available" must be true or false')
  if (!o.available) return NO_OFFER
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
