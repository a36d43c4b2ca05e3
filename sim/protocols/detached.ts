/**
 * A device of a detached-manifest update service: it polls `next` with its hardware ID, and an
 * offer names three URLs — a JSON manifest, a signature over it, and the payload. It reports its
 * inventory and each deployment's status to the server and offers no API of its own. The offer
 * carries no hash: the signed manifest names the payload's.
 */
import { DEVICE_SECONDS } from '../clock.ts'
import { SimError } from '../errors.ts'
import {
  expectAccepted,
  pollForJson,
  type CheckAnswer,
  type DeploymentState,
  type Offer,
  type ProtocolContext,
  type UpdateProtocol,
} from './protocol.ts'

export const DETACHED_PATHS = {
  next: '/api/v3/next',
  inventory: '/api/v3/inventory',
  deployments: '/api/v3/deployments',
  status: (id: string) => `/api/v3/deployments/${encodeURIComponent(id)}/status`,
} as const

/** The inventory goes out unasked every 4 device hours, as the Mender-style client's does. */
const INVENTORY_SECONDS = DEVICE_SECONDS.day / 6

export class DetachedProtocol implements UpdateProtocol {
  readonly name = 'detached'
  readonly attributesEverySeconds = INVENTORY_SECONDS

  /** Every request names the device by its hardware ID, so the server tells it from other clients. */
  constructor(private readonly hardwareId: string) {}

  checkUrl(ctx: ProtocolContext): URL {
    return this.url(DETACHED_PATHS.next, ctx)
  }

  check(url: URL, ctx: ProtocolContext): Promise<CheckAnswer> {
    return pollForJson(url, ctx, 'the offer', (value) => parseDetachedOffer(value))
  }

  async reportAttributes(ctx: ProtocolContext): Promise<void> {
    const { version, counter, hardwareId, model } = ctx.device
    const body = { version, versionCounter: counter, hardwareId, model }
    expectAccepted(
      'inventory',
      await ctx.transport.exchange(this.url(DETACHED_PATHS.inventory, ctx), ctx.signal, { method: 'PUT', json: body }),
    )
  }

  async reportDeployment(deployment: string, state: DeploymentState, detail: string, ctx: ProtocolContext): Promise<void> {
    const body = { status: state, ...(detail && { detail: detail.slice(0, 200) }) }
    const url = this.url(DETACHED_PATHS.status(deployment), ctx)
    expectAccepted('deployment status', await ctx.transport.exchange(url, ctx.signal, { method: 'PUT', json: body }))
  }

  private url(path: string, ctx: ProtocolContext): URL {
    const url = new URL(path, ctx.serverUrl)
    url.search = new URLSearchParams({ hw: this.hardwareId, version: ctx.device.version }).toString()
    return url
  }
}

/** `{id, version, manifest, signature, payload}`, the last three URLs (relative to the server or absolute). */
export function parseDetachedOffer(value: unknown): Offer {
  const bad = (why: string) => new SimError('E_SIM_CHECK', `malformed offer: ${why}`)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object')
  const o = value as Record<string, unknown>
  const id = typeof o.id === 'number' ? String(o.id) : o.id
  if (typeof id !== 'string' || id === '') throw bad('"id" missing')
  for (const field of ['manifest', 'signature', 'payload'] as const)
    if (typeof o[field] !== 'string' || o[field] === '') throw bad(`"${field}" missing`)
  return {
    available: true,
    version: typeof o.version === 'string' ? o.version : '',
    url: o.manifest as string,
    parts: { signature: o.signature as string, payload: o.payload as string },
    security: false,
    deployment: id,
  }
}
