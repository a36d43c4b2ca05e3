/**
 * What a failed attempt means to a wait (for a restarting device to answer again, for an
 * outcome to become final). The same rule on every channel, applied to the DutError a channel's
 * failure translates to:
 *
 * - `no-answer` (E_DUT_TIMEOUT, E_DUT_UNREACHABLE): nothing came back, or the device (or its
 *   port, or the broker a device may take down with it) is not there right now. A restarting or
 *   installing device does exactly this, so the wait goes on.
 * - `bad-answer` (E_DUT_PROTOCOL): the device said something that is not the answer. A device
 *   still booting answers garbage (a placeholder page, boot chatter, a prompt before its shell is
 *   up, on a console the prompt without the expected line), so the wait goes on; it does count
 *   as the device having answered.
 * - anything else (E_DUT_REFUSED, E_DUT_NOT_DECLARED, errors that are no DutError) ends the wait:
 *   credentials and the profile do not fix themselves by waiting. Channels also end it on the
 *   protocol errors that are the lab's set-up rather than the device (TLS that cannot work, a
 *   request that cannot be sent), before this rule is asked.
 */
import { DutError } from '../../core/dut.ts'

export type Miss = 'no-answer' | 'bad-answer'

/** A channel's reading of one failure: a miss to wait past, or undefined to end the wait with it. */
export type MissOf = (err: unknown) => Miss | undefined

export function missByCode(err: unknown): Miss | undefined {
  if (!(err instanceof DutError)) return undefined
  switch (err.code) {
    case 'E_DUT_TIMEOUT':
    case 'E_DUT_UNREACHABLE':
      return 'no-answer'
    case 'E_DUT_PROTOCOL':
      return 'bad-answer'
    default:
      return undefined
  }
}

/** A failure in words for "last: …", without the `operation: ` a DutError starts with. */
export function problemOf(err: unknown): string {
  if (err instanceof DutError) return err.message.slice(`${err.operation}: `.length)
  return err instanceof Error ? err.message : String(err)
}
