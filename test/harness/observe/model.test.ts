// 5.3-16-2b judged from `observe.model`: a device without identify (or one whose model shows
// somewhere else, here a lab probe) is still judged on the model designation it shows.
import { describe, expect, it } from 'vitest'
import type { CommandSpec } from '../../../profile/types.ts'
import { FakeDut, operationsWithout } from '../../suites/functional/fake-dut.ts'
import { fakeSession, runUnit } from '../../suites/functional/fake-session.ts'

const says = (text: string): CommandSpec => ({
  argv: [process.execPath, '-e', `process.stdout.write(${JSON.stringify(text)})`],
  timeoutMs: 10_000,
})

async function judge(model: string) {
  const s = await fakeSession({
    dut: new FakeDut({ operations: operationsWithout('identify') }),
    observe: { model: { from: 'probe', command: says(model) } },
  })
  return runUnit(s, '5.3-16-2b', { target: 'UserInfo-1' })
}

describe('5.3-16-2b with observe.model', () => {
  it('PASS: the model the probe shows is the one the IXIT states, without identify', async () => {
    const r = await judge('TS701-REF-1\n')
    expect(r).toMatchObject({ verdict: 'PASS', reason: 'the DUT reports "TS701-REF-1", as the IXIT states' })
    expect(r.evidence?.length).toBeGreaterThan(0)
  })

  it('FAIL: the probe shows another model', async () => {
    expect(await judge('TS701-REF-2')).toMatchObject({
      verdict: 'FAIL',
      reason: 'the DUT reports "TS701-REF-2", the IXIT states "TS701-REF-1"',
    })
  })

  it('INCONCLUSIVE: the probe shows nothing', async () => {
    expect(await judge('')).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringMatching(/^no model observed: /) })
  })
})
