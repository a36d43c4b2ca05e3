/**
 * A hawkBit-DDI-style poller: the controller resource says how long to sleep and links a
 * deployment when there is one; the device fetches the deployment, reports feedback on it and
 * its attributes (configData) when the server asks for them. Nothing else is offered to anyone.
 */
import { SimError } from '../errors.ts'
import {
  expectAccepted,
  NO_OFFER,
  type CheckAnswer,
  type DeploymentState,
  type Offer,
  type ProtocolContext,
  type UpdateProtocol,
} from './protocol.ts'

/** hawkBit's default tenant. */
export const HAWKBIT_TENANT = 'DEFAULT'

type Json = Record<string, unknown>
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined)
const bad = (why: string) => new SimError('E_SIM_CHECK', `malformed hawkBit answer: ${why}`)

/** What each deployment state is in DDI feedback terms. */
const FEEDBACK: Record<DeploymentState, { execution: 'proceeding' | 'closed'; finished: 'none' | 'success' | 'failure' }> = {
  downloading: { execution: 'proceeding', finished: 'none' },
  installing: { execution: 'proceeding', finished: 'none' },
  pause_before_installing: { execution: 'proceeding', finished: 'none' },
  success: { execution: 'closed', finished: 'success' },
  'already-installed': { execution: 'closed', finished: 'success' },
  failure: { execution: 'closed', finished: 'failure' },
}

export class HawkbitProtocol implements UpdateProtocol {
  readonly name = 'hawkbit'

  constructor(private readonly controllerId: string) {}

  /** The controller's base resource: `/<tenant>/controller/v1/<controllerId>`. */
  base(ctx: ProtocolContext): URL {
    return new URL(`/${HAWKBIT_TENANT}/controller/v1/${encodeURIComponent(this.controllerId)}`, ctx.serverUrl)
  }

  checkUrl(ctx: ProtocolContext): URL {
    return this.base(ctx)
  }

  async check(url: URL, ctx: ProtocolContext): Promise<CheckAnswer> {
    const root = await this.getJson(url, ctx)
    const sleepSeconds = parseSleep(obj(obj(root.config)?.polling)?.sleep)
    const links = obj(root._links)
    const wantsAttributes = obj(links?.configData) !== undefined
    const href = obj(links?.deploymentBase)?.href
    const extra = { ...(sleepSeconds !== undefined && { sleepSeconds }), wantsAttributes }
    if (href === undefined) return { offer: NO_OFFER, ...extra }
    if (typeof href !== 'string' || href === '') throw bad('"_links.deploymentBase.href" is not a link')
    const deployment = await this.getJson(new URL(href, ctx.serverUrl), ctx)
    return { offer: parseDeploymentBase(deployment, ctx.maxImageBytes), ...extra }
  }

  async reportAttributes(ctx: ProtocolContext): Promise<void> {
    const { version, hardwareId, model } = ctx.device
    const url = new URL(`${this.base(ctx).pathname}/configData`, ctx.serverUrl)
    const body = { mode: 'merge', data: { version, model, hardware_id: hardwareId } }
    expectAccepted('configData', await ctx.transport.exchange(url, ctx.signal, { method: 'PUT', json: body }))
  }

  async reportDeployment(deployment: string, state: DeploymentState, detail: string, ctx: ProtocolContext): Promise<void> {
    const url = new URL(`${this.base(ctx).pathname}/deploymentBase/${encodeURIComponent(deployment)}/feedback`, ctx.serverUrl)
    const { execution, finished } = FEEDBACK[state]
    const body = {
      id: deployment,
      status: { execution, result: { finished }, details: [state, ...(detail ? [detail.slice(0, 200)] : [])] },
    }
    expectAccepted('feedback', await ctx.transport.exchange(url, ctx.signal, { method: 'POST', json: body }))
  }

  private async getJson(url: URL, ctx: ProtocolContext): Promise<Json> {
    const answer = await ctx.transport.exchange(url, ctx.signal)
    if (answer.status !== 200) throw new SimError('E_SIM_CHECK', `update server answered ${answer.status} for ${url.pathname}`)
    let value: unknown
    try {
      value = JSON.parse(answer.text)
    } catch {
      throw bad(`${url.pathname} is not JSON`)
    }
    const o = obj(value)
    if (!o) throw bad(`${url.pathname} is not a JSON object`)
    return o
  }
}

/** `HH:MM:SS`; undefined when absent or not that shape (the device then keeps its own period). */
export function parseSleep(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const m = /^(\d{1,4}):([0-5]\d):([0-5]\d)$/.exec(value)
  if (!m) return undefined
  const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])
  return seconds > 0 ? seconds : undefined
}

/** The first artifact of the first chunk: the reference device has one software module. */
export function parseDeploymentBase(value: Json, maxImageBytes: number): Offer {
  const id = typeof value.id === 'number' ? String(value.id) : value.id
  if (typeof id !== 'string' || id === '') throw bad('deployment "id" missing')
  const chunks = obj(value.deployment)?.chunks
  if (!Array.isArray(chunks) || chunks.length === 0) throw bad('"deployment.chunks" is empty')
  const chunk = obj(chunks[0])
  const artifacts = chunk?.artifacts
  if (!chunk || !Array.isArray(artifacts) || artifacts.length === 0) throw bad('the chunk has no artifacts')
  const artifact = obj(artifacts[0])
  if (!artifact) throw bad('the artifact is not an object')
  const links = obj(artifact._links)
  const href = obj(links?.download)?.href ?? obj(links?.['download-http'])?.href
  if (typeof href !== 'string' || href === '') throw bad('the artifact has no download link')
  const size = typeof artifact.size === 'string' ? Number(artifact.size) : artifact.size
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw bad('the artifact "size" must be a positive integer')
  if (size > maxImageBytes) throw bad(`the artifact "size" ${size} exceeds the ${maxImageBytes}-byte staging area`)
  const sha256 = obj(artifact.hashes)?.sha256
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) throw bad('the artifact "hashes.sha256" must be 64 hex digits')
  const version = typeof chunk.version === 'string' ? chunk.version : ''
  return { available: true, version, url: href, size, sha256: sha256.toLowerCase(), security: false, deployment: id }
}
