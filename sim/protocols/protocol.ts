/**
 * The update client's seam to its update server: how a check is asked and answered, and what the
 * device tells the server about itself and its deployments. The vendor protocol reports nothing;
 * Mender- and hawkBit-style agents report their version and every deployment's progress there
 * and nowhere else. Whatever a protocol says, the signed manifest of the downloaded image decides.
 */
import { SimError } from '../errors.ts'
import type { UpdateTransport } from '../transport.ts'

/** One offer in the client's terms, whatever the server's words were. All of it is a hint. */
export interface Offer {
  available: boolean
  version: string
  url: string
  /** Absent when the protocol names no hash (Mender): the transport check is then skipped. */
  sha256?: string
  /** Absent when the protocol names no size: the staging area is the limit. */
  size?: number
  security: boolean
  risks?: string
  /** The server's deployment (action) ID, for protocols that report on each deployment. */
  deployment?: string
  /** A detached update: `url` is its manifest, these its signature and payload (fetched only if the manifest passes). */
  parts?: { signature: string; payload: string }
}

export const NO_OFFER: Offer = { available: false, version: '', url: '', security: false }

/** What the device is, as a protocol tells its server. */
export interface DeviceFacts {
  version: string
  counter: number
  hardwareId: string
  model: string
}

/** One exchange with the update server, inside the current power cycle. */
export interface ProtocolContext {
  transport: UpdateTransport
  serverUrl: URL
  signal: AbortSignal
  maxImageBytes: number
  device: DeviceFacts
}

export interface CheckAnswer {
  offer: Offer
  /** Device seconds the server asks the device to wait before the next check (hawkBit's sleep). */
  sleepSeconds?: number
  /** The server asked for the device's attributes (hawkBit's configData link). */
  wantsAttributes?: boolean
}

/**
 * A deployment's progress, in Mender's words; other protocols translate. `pause_before_installing`:
 * verified and waiting for the user (automatic installation off or postponed).
 */
export type DeploymentState = 'downloading' | 'installing' | 'pause_before_installing' | 'success' | 'failure' | 'already-installed'

export interface UpdateProtocol {
  readonly name: string
  /** Device seconds between unsolicited attribute reports (an inventory heartbeat); none when absent. */
  readonly attributesEverySeconds?: number
  /** Where the next check asks. */
  checkUrl(ctx: ProtocolContext): URL
  /** Asks; throws (SimError E_SIM_CHECK) when the answer is not one the protocol allows. */
  check(url: URL, ctx: ProtocolContext): Promise<CheckAnswer>
  /** Tells the server the installed version and model (inventory, configData). */
  reportAttributes(ctx: ProtocolContext): Promise<void>
  /** Tells the server how the deployment goes. */
  reportDeployment(deployment: string, state: DeploymentState, detail: string, ctx: ProtocolContext): Promise<void>
}

/** A report the server did not take: the caller logs it, the update goes on. */
export function expectAccepted(what: string, answer: { status: number; text: string }): void {
  if (answer.status >= 200 && answer.status < 300) return
  throw new Error(`${what} answered ${answer.status}${answer.text ? `: ${answer.text.trim().slice(0, 120)}` : ''}`)
}

/**
 * A poll answered as Mender-like servers answer: 204 when nothing is offered, 200 with a JSON
 * body the protocol reads as an offer (`what` names that body in errors).
 */
export async function pollForJson(url: URL, ctx: ProtocolContext, what: string, parse: (value: unknown) => Offer): Promise<CheckAnswer> {
  const answer = await ctx.transport.exchange(url, ctx.signal)
  if (answer.status === 204) return { offer: NO_OFFER }
  if (answer.status !== 200) throw new SimError('E_SIM_CHECK', `update server answered ${answer.status}`)
  let value: unknown
  try {
    value = JSON.parse(answer.text)
  } catch {
    throw new SimError('E_SIM_CHECK', `${what} is not JSON`)
  }
  return { offer: parse(value) }
}
