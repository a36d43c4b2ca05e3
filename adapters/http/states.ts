/** What the read-outcome modes share: the wait on this device, and the state in one answer or message. */
import type { Extract, OutcomeStates } from '../../profile/types.ts'
import { DutError, type UpdateOutcome } from '../../core/dut.ts'
import { asText, extractFromAnswer, optionalText, type Answer } from '../kit/extract.ts'
import type { OutcomeWait, OutcomeWatch } from '../kit/outcome.ts'
import { httpMiss, type Ctx } from './context.ts'
import { statusText } from './request.ts'

/** Between SSE and WebSocket sessions, and between identify attempts after the device settled. */
export const RETRY_MS = 250

export function outcomeWait(ctx: Ctx, o: { timeoutMs: number; intervalMs: number; states: OutcomeStates; settleMs?: number }): OutcomeWait {
  return { ...o, where: `from ${ctx.client.origin}`, missOf: httpMiss('read-outcome') }
}

/** Refused credentials end the wait; other answers that are not 2xx say no state. */
export function refusal(status: number, request: string): DutError | undefined {
  if (status !== 401 && status !== 403) return undefined
  return new DutError(
    'E_DUT_REFUSED',
    'read-outcome',
    `the device refused ${request} (${statusText(status)}); check adapter.auth and the credentials`,
  )
}

export const isOk = (status: number): boolean => status >= 200 && status < 300

export interface StateExtract {
  state: Extract
  version?: Extract
  detail?: Extract
}

/** The final outcome the answer carries, or undefined; throws ExtractError when it has no state. */
export function readState(watch: OutcomeWatch, answer: Answer, extract: StateExtract): UpdateOutcome | undefined {
  const raw = asText(extractFromAnswer(extract.state, answer, 'state'))
  return watch.state(raw, () => ({
    version: extract.version && optionalText(() => extractFromAnswer(extract.version!, answer, 'version')),
    detail: extract.detail && optionalText(() => extractFromAnswer(extract.detail!, answer, 'detail')),
  }))
}
