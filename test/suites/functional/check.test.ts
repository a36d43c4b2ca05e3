// How the suites run a judge (suites/lib/functional/check.ts): once per mechanism or per IXIT
// entry, with the run's session; and the judges written inline in a suite, 5.3-16-2a/2b.
import { describe, expect, it } from 'vitest'
import type { Observation } from '../../../harness/functional.ts'
import { perEntry, perMechanism, withSession } from '../../../suites/lib/functional/check.ts'
import { DutError } from '../../../core/dut.ts'
import { FakeDut, operationsWithout, timeout } from './fake-dut.ts'
import { fakeSession, LOCAL, NETWORK, referenceAssessment, runUnit, unitInput } from './fake-session.ts'

const decided: Observation = { verdict: 'PASS', reason: 'the body decided' }

describe('withSession, perMechanism, perEntry', () => {
  it('hand the body the run session and the input', async () => {
    const s = await fakeSession()
    const input = await unitInput(s, '5.3-5-2a', { target: NETWORK })
    const seen: unknown[] = []
    await withSession(async (session, i) => {
      seen.push(session, i)
      return decided
    })(input)
    expect(seen).toEqual([s, input])
    await perMechanism(async (session, mech) => {
      seen.push(session, mech.id)
      return decided
    })(input)
    expect(seen.slice(2)).toEqual([s, NETWORK])
  })

  it('perMechanism: PASS vacuously for an empty selection, without asking the device', async () => {
    const s = await fakeSession()
    const input = await unitInput(s, '5.3-5-2a', { emptyReason: 'no 7-UpdMech entry delivers over the network' })
    expect(await perMechanism(async () => decided)(input)).toEqual({
      verdict: 'PASS',
      reason: 'nothing to check: no 7-UpdMech entry delivers over the network',
    })
    expect(await perMechanism(async () => decided)(await unitInput(s, '5.3-5-2a'))).toEqual({
      verdict: 'PASS',
      reason: 'nothing to check: no entry selected',
    })
    expect(s.dut.calls).toEqual([])
  })

  it('perMechanism: INCONCLUSIVE for a mechanism the profile does not drive', async () => {
    const s = await fakeSession({ mechanisms: { [LOCAL]: 'deliver-image' } })
    let ran = false
    const body = async () => {
      ran = true
      return decided
    }
    expect(await perMechanism(body)(await unitInput(s, '5.3-5-2a', { target: NETWORK }))).toEqual({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT profile does not say how to drive UpdMech-Network (add it under mechanisms)',
    })
    expect(ran).toBe(false)
    expect(await perMechanism(body)(await unitInput(s, '5.3-2-2a', { target: LOCAL }))).toBe(decided)
  })

  it('perEntry: INCONCLUSIVE without an entry, the body otherwise', async () => {
    const s = await fakeSession()
    expect(await perEntry(async () => decided)(await unitInput(s, '5.3-16-2a', { emptyReason: '2-UserInfo is empty' }))).toEqual({
      verdict: 'INCONCLUSIVE',
      reason: 'nothing to observe: 2-UserInfo is empty',
    })
    const ids: string[] = []
    await perEntry(async (_s, entry) => {
      ids.push(entry.id)
      return decided
    })(await unitInput(s, '5.3-16-2a', { target: 'UserInfo-1' }))
    expect(ids).toEqual(['UserInfo-1'])
  })
})

describe('5.3-16-2a: the model designation is obtained the way the IXIT describes', () => {
  it('PASS where the IXIT names an interface the device is read over; a label only is read by a person', async () => {
    const s = await fakeSession()
    expect(await runUnit(s, '5.3-16-2a', { target: 'UserInfo-1' })).toMatchObject({
      verdict: 'PASS',
      reason: 'the designation was obtained from the identify operation: "TS701-REF-1"',
    })
    const labelOnly = structuredClone(await referenceAssessment())
    labelOnly.ixit['2-UserInfo'][0]!.facts.designationMedia = ['label']
    expect(await runUnit(s, '5.3-16-2a', { target: 'UserInfo-1', assessment: labelOnly })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the IXIT places the designation on a label only: a person reads it there (the identify operation gave "TS701-REF-1")',
    })
  })
})

describe('5.3-16-2b: the model designation the device reports', () => {
  const unit = (s: Awaited<ReturnType<typeof fakeSession>>) => runUnit(s, '5.3-16-2b', { target: 'UserInfo-1' })

  it('PASS: the device reports the designation the IXIT states', async () => {
    const s = await fakeSession()
    const r = await unit(s)
    expect(r).toMatchObject({ verdict: 'PASS', reason: 'the DUT reports "TS701-REF-1", as the IXIT states', source: 'observed' })
    expect(r.evidence?.length).toBeGreaterThan(0)
    const padded = await fakeSession({ dut: new FakeDut({ model: ' TS701-REF-1 ' }) })
    expect(await unit(padded)).toMatchObject({ verdict: 'PASS' })
  })

  it('FAIL: another designation', async () => {
    const s = await fakeSession({ dut: new FakeDut({ model: 'TS701-REF-2' }) })
    expect(await unit(s)).toMatchObject({ verdict: 'FAIL', reason: 'the DUT reports "TS701-REF-2", the IXIT states "TS701-REF-1"' })
  })

  it('FAIL: a designation that is not plain text', async () => {
    const markup = await fakeSession({ dut: new FakeDut({ model: '<b>TS701-REF-1</b>' }) })
    expect(await unit(markup)).toMatchObject({
      verdict: 'FAIL',
      reason: 'the DUT reports its model as "<b>TS701-REF-1</b>", which is not plain text',
    })
    const control = await fakeSession({ dut: new FakeDut({ model: 'TS701-REF-1\u0007' }) })
    expect(await unit(control)).toMatchObject({ verdict: 'FAIL', reason: expect.stringMatching(/which is not plain text$/) })
  })

  it('INCONCLUSIVE: identify not declared, not answered, or answered garbage', async () => {
    const none = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('identify') }) })
    expect(await unit(none)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'identify: operation identify not declared in the DUT profile',
    })
    const silent = await fakeSession()
    silent.dut.fault = () => timeout('identify')
    expect(await unit(silent)).toMatchObject({ verdict: 'INCONCLUSIVE', reason: 'identify: no answer within 300 ms' })
    const garbled = await fakeSession()
    garbled.dut.fault = () => new DutError('E_DUT_PROTOCOL', 'identify', 'no /model in the answer')
    expect(await unit(garbled)).toMatchObject({ verdict: 'INCONCLUSIVE', reason: 'identify: no /model in the answer' })
  })
})
