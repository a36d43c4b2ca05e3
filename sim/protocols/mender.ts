/**
 * A Mender-style device: it polls for its next deployment, reports its inventory (installed
 * artifact, device type, model) and the status of every deployment to the server, and offers no
 * API of its own. The deployment names no hash, so the download is checked only by the image.
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

export const MENDER_PATHS = {
  next: '/api/devices/v1/deployments/device/deployments/next',
  status: (id: string) => `/api/devices/v1/deployments/device/deployments/${encodeURIComponent(id)}/status`,
  inventory: '/api/devices/v1/inventory/device/attributes',
} as const

/** How often the inventory goes out unasked: Mender's inventory poll interval, here 4 hours. */
const INVENTORY_SECONDS = DEVICE_SECONDS.day / 6

export class MenderProtocol implements UpdateProtocol {
  readonly name = 'mender'
  readonly attributesEverySeconds = INVENTORY_SECONDS

  checkUrl(ctx: ProtocolContext): URL {
    const url = new URL(MENDER_PATHS.next, ctx.serverUrl)
    url.search = new URLSearchParams({ artifact_name: ctx.device.version, device_type: ctx.device.hardwareId }).toString()
    return url
  }

  check(url: URL, ctx: ProtocolContext): Promise<CheckAnswer> {
    return pollForJson(url, ctx, 'deployment answer', (value) => parseDeployment(value, ctx.maxImageBytes))
  }

  async reportAttributes(ctx: ProtocolContext): Promise<void> {
    const { version, hardwareId, model } = ctx.device
    const attributes = [
      { name: 'artifact_name', value: version },
      { name: 'device_type', value: hardwareId },
      { name: 'model', value: model },
    ]
    const url = new URL(MENDER_PATHS.inventory, ctx.serverUrl)
    expectAccepted('inventory', await ctx.transport.exchange(url, ctx.signal, { method: 'PATCH', json: attributes }))
  }

  async reportDeployment(deployment: string, state: DeploymentState, detail: string, ctx: ProtocolContext): Promise<void> {
    const url = new URL(MENDER_PATHS.status(deployment), ctx.serverUrl)
    const body = { status: state, ...(detail && { substate: detail.slice(0, 200) }) }
    expectAccepted('deployment status', await ctx.transport.exchange(url, ctx.signal, { method: 'PUT', json: body }))
  }
}

/** `{id, artifact: {artifact_name, source: {uri}}}`; `size` and `sha256` beside `artifact_name` are taken when given. */
export function parseDeployment(value: unknown, maxImageBytes: number): Offer {
  const bad = (why: string) => new SimError('E_SIM_CHECK', `malformed deployment: ${why}`)
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  const d = obj(value)
  if (!d) throw bad('not a JSON object')
  const id = typeof d.id === 'number' ? String(d.id) : d.id
  if (typeof id !== 'string' || id === '') throw bad('"id" missing')
  const artifact = obj(d.artifact)
  if (!artifact) throw bad('"artifact" missing')
  if (typeof artifact.artifact_name !== 'string' || artifact.artifact_name === '') throw bad('"artifact.artifact_name" missing')
  const uri = obj(artifact.source)?.uri
  if (typeof uri !== 'string' || uri === '') throw bad('"artifact.source.uri" missing')
  const size = typeof artifact.size === 'string' ? Number(artifact.size) : artifact.size
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0))
    throw bad('"artifact.size" must be a positive integer')
  if (size !== undefined && size > maxImageBytes) throw bad(`"artifact.size" ${size} exceeds the ${maxImageBytes}-byte staging area`)
  const sha256 = artifact.sha256
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)))
    throw bad('"artifact.sha256" must be 64 hex digits')
  return {
    available: true,
    version: artifact.artifact_name,
    url: uri,
    ...(size !== undefined && { size }),
    ...(sha256 !== undefined && { sha256: sha256.toLowerCase() }),
    security: false,
    deployment: id,
  }
}
