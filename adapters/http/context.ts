/** What the operations of the HTTP adapter share, and how their failures become DutErrors. */
import type { Agent } from 'undici'
import type { HttpDutProfile } from './profile.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import type { Masker } from '../../core/mask.ts'
import { ExtractError } from '../kit/extract.ts'
import { missByCode, type Miss } from '../kit/miss.ts'
import { ExchangeFailure } from './failure.ts'
import type { HttpClient } from './request.ts'
import type { OutcomeStream } from './stream.ts'
import type { TlsOptions } from './undici.ts'

export interface Ctx {
  profile: HttpDutProfile
  client: HttpClient
  /** For the WebSocket, which goes through undici in both modes. */
  agent: Agent
  tls: TlsOptions
  env: NodeJS.ProcessEnv
  masker: Masker
  /** The outcome stream subscribed when the last delivery started, until read-outcome takes it. */
  subscribed?: OutcomeStream | undefined
}

/** Failures of the request layer and of extraction, as the DutError the suites expect. */
export function asDutError(op: Operation, err: unknown): unknown {
  if (err instanceof DutError) return err
  if (err instanceof ExchangeFailure) return err.toDutError(op)
  if (err instanceof ExtractError) return new DutError('E_DUT_PROTOCOL', op, err.message)
  return err
}

export async function guarded<T>(op: Operation, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (err) {
    throw asDutError(op, err)
  }
}

/**
 * A failure during a wait, read by the kit's rule (kit/miss.ts). TLS that fails and a request
 * that cannot be sent are protocol errors of the lab's set-up, not of a busy device: they end it.
 */
export function httpMiss(op: Operation): (err: unknown) => Miss | undefined {
  return (err) => {
    if (err instanceof ExchangeFailure && (err.kind === 'tls' || err.kind === 'request')) return undefined
    return missByCode(asDutError(op, err))
  }
}
