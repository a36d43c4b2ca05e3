/** Raw outcome states of the device, mapped through the profile's `states`. */
import type { Extract, OutcomeStates } from '../../profile/types.ts'
import { DutError, type UpdateOutcome } from '../../core/dut.ts'
import { asDutError, type Ctx } from './context.ts'
import { asText, extractFromAnswer, ExtractError, type Answer } from './extract.ts'
import { ExchangeFailure } from './failure.ts'

export type Final = UpdateOutcome & { state: 'installed' | 'rejected' }

export interface Reading {
  raw: string
  /** undefined: the value is not listed in the profile's states. */
  state?: 'installed' | 'rejected' | 'pending'
  final?: Final
}

export function mapState(raw: string, states: OutcomeStates): Reading['state'] {
  if (states.installed.includes(raw)) return 'installed'
  if (states.rejected.includes(raw)) return 'rejected'
  if (states.pending.includes(raw)) return 'pending'
  return undefined
}

/** Reads one answer or message; throws ExtractError when the state cannot be found. */
export function readState(
  answer: Answer,
  extract: { state: Extract; version?: Extract; detail?: Extract },
  states: OutcomeStates,
): Reading {
  const raw = asText(extractFromAnswer(extract.state, answer, 'state'))
  const state = mapState(raw, states)
  if (state !== 'installed' && state !== 'rejected') return { raw, ...(state ? { state } : {}) }
  const final: Final = { state }
  const optional = (ex: Extract | undefined, what: string): string | undefined => {
    if (!ex) return undefined
    try {
      return asText(extractFromAnswer(ex, answer, what))
    } catch (err) {
      if (err instanceof ExtractError) return undefined
      throw err
    }
  }
  const version = optional(extract.version, 'version')
  const detail = optional(extract.detail, 'detail')
  if (version !== undefined) final.version = version
  if (detail !== undefined) final.detail = detail
  return { raw, state, final }
}

/** What to say when the timeout passed without a final state. */
export function timeoutDetail(timeoutMs: number, last: { unmapped?: string; pending?: string; problem?: string }, states: OutcomeStates): string {
  if (last.unmapped !== undefined) {
    const known = [...states.installed, ...states.rejected, ...states.pending].map((s) => `"${s}"`).join(', ')
    return `no final outcome within ${timeoutMs} ms: the device reported state "${last.unmapped}", which the profile does not map (known states: ${known})`
  }
  if (last.pending !== undefined) return `no final outcome within ${timeoutMs} ms (still "${last.pending}")`
  if (last.problem !== undefined) return `no final outcome within ${timeoutMs} ms (last answer: ${last.problem})`
  return `no final outcome within ${timeoutMs} ms`
}

/** Keeps track of whether the device answered at all during a wait. */
export class Reach {
  answered = false
  problem?: string

  /** Failures that only mean "not this time"; everything else ends the wait. */
  failed(err: unknown): void {
    if (err instanceof ExchangeFailure && err.kind !== 'request' && err.kind !== 'tls') {
      if (err.kind !== 'timeout' && err.kind !== 'unreachable' && err.kind !== 'dropped') this.answered = true
      this.problem = err.message
      return
    }
    if (err instanceof ExtractError) {
      this.answered = true
      this.problem = err.message
      return
    }
    throw asDutError('read-outcome', err)
  }

  unreachable(ctx: Ctx, timeoutMs: number): DutError {
    return new DutError('E_DUT_UNREACHABLE', 'read-outcome', `no answer from ${ctx.client.origin} during ${timeoutMs} ms${this.problem ? ` (last attempt: ${this.problem})` : ''}`)
  }
}
