/**
 * What the observation layer hands the judges: a fact as the device showed it, with the evidence
 * and the source it came from, or why it was not seen. "Not seen" is an answer, not an error:
 * which unit it leaves open, and with what reason, is the judge's to say.
 */
import { Ts701Error } from '../../core/errors.ts'
import type { ObserveSource } from '../../profile/types.ts'

export interface Observed<T> {
  observed: true
  value: T
  /** Evidence entry IDs (requests, messages, probe runs, operations) the value rests on. */
  evidence: string[]
  /** Where it was read, in words for a reason: `the update server (route inventory)`. */
  source: string
  /** When the device showed it (epoch ms): later reads ask for reports from then on. */
  at: number
  /** What a reading without a value of its own means, e.g. why alive is false. */
  detail?: string
}

export interface NotObserved {
  observed: false
  /** Said for the report: what was watched, for how long, what came instead. */
  reason: string
  source: string
  evidence: string[]
  /** False when the profile names no source for the fact at all. */
  declared: boolean
}

export type Reading<T> = Observed<T> | NotObserved

/** One update check the device made. */
export interface CheckSeen {
  time: number
  evidence: string
  /** e.g. `GET /v1/check` or `MQTT devices/1/jobs/get`. */
  what: string
}

export type ObserveErrorCode =
  /** A fact a judge cannot do without was not observed; the message says what was watched. */
  | 'E_OBSERVE_MISSING'
  /** The profile names a source ts701 cannot use (no update server, no broker, no such operation). */
  | 'E_OBSERVE_CONFIG'
  /** The broker of MQTT observations could not be reached or refused ts701. */
  | 'E_OBSERVE_BROKER'
  /** A probe command could not be run, failed or timed out. */
  | 'E_OBSERVE_PROBE'

/** Raised for what makes observing impossible, never for a device that merely stayed silent. */
export class ObserveError extends Ts701Error {
  constructor(
    override readonly code: ObserveErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}

/** The value, or an E_OBSERVE_MISSING naming the fact and why it was not seen. */
export function required<T>(reading: Reading<T>, fact: string): Observed<T> {
  if (reading.observed) return reading
  throw new ObserveError('E_OBSERVE_MISSING', `no ${fact} observed: ${reading.reason}`)
}

export const notObserved = (source: string, reason: string, evidence: string[] = [], declared = true): NotObserved => ({
  observed: false,
  reason,
  source,
  evidence,
  declared,
})

export const observed = <T>(source: string, value: T, evidence: string[], at = Date.now(), detail?: string): Observed<T> => ({
  observed: true,
  value,
  evidence,
  source,
  at,
  ...(detail !== undefined && { detail }),
})

/** Requests to the update server from another client than the device, alike in method, path and the name they gave. */
export interface StrangerGroup {
  method: string
  path: string
  /** The name the requests gave their client: `controllerId=dev-2`, `no device name`. */
  identity: string
  count: number
  /** The first few. */
  evidence: string[]
}

/** Who else used the update server in a window, as far as the requests tell. */
export interface ClientMix {
  /** Whether the profile declares the device's identity (observe.identity): then strangers were left out. */
  declared: boolean
  /** Declared: the requests left out as other clients'. */
  strangers: StrangerGroup[]
  /** Declared: how many requests of the window were the device's (any route), so none at all can be told from a device that does not check. */
  own?: number
  /** Undeclared: the device-like names that took more than one value among the counted checks, e.g. `controllerId: dev-1 (5), dev-2 (12)`. */
  mixed?: string
}

/** Which source answers each fact for this profile and device; undefined when none does. */
export interface FactSources {
  version: ObserveSource | undefined
  model: ObserveSource | undefined
  outcome: ObserveSource | undefined
  checks: 'server' | 'mqtt' | 'console'
  alive: ObserveSource | undefined
}
