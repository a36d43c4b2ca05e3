/**
 * The `operation` source: the device's own API (identify, read-outcome), as before the observation
 * layer existed. Asked without a wait, an operation's error reaches the judge as it is; asked to
 * wait (a device restarting after an installation), unreachable and timed-out answers are retried
 * until the wait is over, and only a protocol error (the profile does not fit the device) ends it early.
 */
import { sleep } from '../../core/duration.ts'
import { DutError, type Dut, type DutIdentity, type UpdateOutcome } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { notObserved, observed, type Reading } from './types.ts'

const RETRY_MS = 250
const IDENTIFY = 'the identify operation'

const ids = (evidence: EvidenceLog, mark: number) => evidence.since(mark).map((e) => e.id)

/** identify, retried while the device may be restarting; why it gave up when it did. */
async function identifyWithin(dut: Dut, waitMs: number): Promise<DutIdentity | { failed: string }> {
  const until = Date.now() + waitMs
  for (;;) {
    try {
      return await dut.identify()
    } catch (err) {
      if (!(err instanceof DutError)) return { failed: err instanceof Error ? err.message : String(err) }
      if (err.code === 'E_DUT_PROTOCOL') throw err
      const retryable = err.code === 'E_DUT_UNREACHABLE' || err.code === 'E_DUT_TIMEOUT'
      if (!retryable || Date.now() > until) return { failed: err.message }
      await sleep(RETRY_MS)
    }
  }
}

/** The version, or (`field` model) the model designation, identify answers. */
export async function operationVersion(
  dut: Dut,
  evidence: EvidenceLog,
  waitMs?: number,
  field: 'version' | 'model' = 'version',
): Promise<Reading<string>> {
  const mark = evidence.mark()
  if (waitMs === undefined) return observed(IDENTIFY, (await dut.identify())[field], ids(evidence, mark))
  const got = await identifyWithin(dut, waitMs)
  if ('failed' in got)
    return notObserved(IDENTIFY, `the DUT did not answer identify within ${waitMs} ms (${got.failed})`, ids(evidence, mark))
  return observed(IDENTIFY, got[field], ids(evidence, mark))
}

export async function operationAlive(dut: Dut, evidence: EvidenceLog, waitMs = 0): Promise<Reading<boolean>> {
  const mark = evidence.mark()
  const got = await identifyWithin(dut, waitMs)
  return 'failed' in got
    ? observed(IDENTIFY, false, ids(evidence, mark), Date.now(), `the DUT did not answer identify within ${waitMs} ms (${got.failed})`)
    : observed(IDENTIFY, true, ids(evidence, mark))
}

export async function operationOutcome(dut: Dut, evidence: EvidenceLog): Promise<Reading<UpdateOutcome>> {
  const mark = evidence.mark()
  const outcome = await dut.readOutcome()
  return observed('the read-outcome operation', outcome, ids(evidence, mark))
}
