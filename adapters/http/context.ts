/** What the operations of the HTTP adapter share, and how their failures become DutErrors. */
import type { Agent } from 'undici'
import type { HttpDutProfile } from '../../profile/types.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import { ExtractError } from './extract.ts'
import { ExchangeFailure } from './failure.ts'
import type { Redactor } from './redact.ts'
import type { HttpClient } from './request.ts'
import type { TlsOptions } from './undici.ts'

export interface Ctx {
  profile: HttpDutProfile
  client: HttpClient
  /** For the WebSocket, which goes through undici in both modes. */
  agent: Agent
  tls: TlsOptions
  env: NodeJS.ProcessEnv
  redactor: Redactor
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

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
