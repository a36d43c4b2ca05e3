/**
 * The `operation` source: the device's own API (identify, read-outcome), as before the observation
 * layer existed. Asked without a wait, an operation's error reaches the judge as it is; asked to
 * wait (a device restarting after an installation), the failures are read as every wait for a
 * restarting device reads them (adapters/kit/miss.ts): no answer is waited past, and so is a bad
 * answer (boot chatter between the command and its answer), a few in a row: past that the profile
 * does not fit the device, and the protocol error ends the wait.
 */
import { missByCode } from '../../adapters/kit/miss.ts'
import { sleep } from '../../core/duration.ts'
import type { Dut, DutIdentity, UpdateOutcome } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { notObserved, observed, type Reading } from './types.ts'

const RETRY_MS = 250
/** Bad answers in a row a wait puts down to a device still booting. */
const BAD_ANSWERS = 3
const IDENTIFY = 'the identify operation'

const ids = (evidence: EvidenceLog, mark: number) => evidence.since(mark).map((e) => e.id)

/** identify, retried while the device may be restarting; why it gave up when it did. */
async function identifyWithin(dut: Dut, waitMs: number): Promise<DutIdentity | { failed: string }> {
  const until = Date.now() + waitMs
  let bad = 0
  for (;;) {
    try {
      return await dut.identify()
    } catch (err) {
      const miss = missByCode(err)
      if (miss === undefined) return { failed: err instanceof Error ? err.message : String(err) }
      bad = miss === 'bad-answer' ? bad + 1 : 0
      if (bad >= BAD_ANSWERS || (bad > 0 && Date.now() > until)) throw err
      if (Date.now() > until) return { failed: err instanceof Error ? err.message : String(err) }
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
