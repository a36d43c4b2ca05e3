// The facade (harness/observe/index.ts) and its `operation` source: a device with an API is
// observed through identify and read-outcome unless the profile says otherwise, exactly as the
// judges read it before; a device without one has no fact until `observe` names a source.
import { describe, expect, it } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import { required } from '../../../harness/observe/index.ts'
import { FakeDut, operationsWithout, timeout } from '../../suites/functional/fake-dut.ts'
import { observeProfile, observing } from './helpers.ts'

describe('observing a device with an API', () => {
  it('reads version, outcome and liveness through its operations by default', async () => {
    const dut = new FakeDut()
    const evidence = new EvidenceLog()
    dut.evidence = evidence
    const { observe } = observing(observeProfile({}), { dut, evidence })
    expect(observe.sources).toEqual({
      version: 'operation',
      model: 'operation',
      outcome: 'operation',
      checks: 'server',
      alive: 'operation',
    })
    const v = await observe.version()
    expect(v).toMatchObject({ observed: true, value: '1.0.0', source: 'the identify operation', evidence: ['E000001'] })
    dut.lastOutcome = { state: 'rejected', detail: 'bad signature' }
    expect(await observe.outcome(Date.now())).toMatchObject({ observed: true, value: { state: 'rejected', detail: 'bad signature' } })
    expect(await observe.alive()).toMatchObject({ observed: true, value: true })
    expect(dut.calls).toEqual(['identify', 'read-outcome', 'identify'])
  })

  it('passes an operation error on when not asked to wait, and retries a restarting device when asked', async () => {
    const dut = new FakeDut()
    dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    const { observe } = observing(observeProfile({}), { dut })
    await expect(observe.version()).rejects.toBeInstanceOf(DutError)
    const late = observe.version({ waitMs: 2_000 })
    setTimeout(() => (dut.fault = undefined), 400)
    expect(await late).toMatchObject({ observed: true, value: '1.0.0' })
    dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    expect(await observe.version({ waitMs: 100 })).toMatchObject({
      observed: false,
      reason: 'the DUT did not answer identify within 100 ms (identify: no answer within 300 ms)',
    })
    expect(await observe.alive({ waitMs: 100 })).toMatchObject({ observed: true, value: false })
  })

  it('waits past boot chatter in place of an answer, but not past a profile that does not fit the device', async () => {
    const dut = new FakeDut()
    const chatter = () =>
      new DutError('E_DUT_PROTOCOL', 'identify', 'the device answered "info" with "rauc-service: started" instead of /^model/')
    let bad = 2
    dut.fault = (op) => (op === 'identify' && bad-- > 0 ? chatter() : undefined)
    const { observe } = observing(observeProfile({}), { dut })
    expect(await observe.version({ waitMs: 5_000 })).toMatchObject({ observed: true, value: '1.0.0' })
    expect(dut.calls.filter((c) => c === 'identify')).toHaveLength(3)
    // Without a wait the first bad answer is the judge's, as before.
    bad = 1
    await expect(observe.version()).rejects.toThrow(/rauc-service/)
    // Every answer wrong: three in a row end the wait long before it is over.
    dut.fault = (op) => (op === 'identify' ? chatter() : undefined)
    const at = Date.now()
    await expect(observe.version({ waitMs: 30_000 })).rejects.toThrow(/rauc-service/)
    expect(Date.now() - at).toBeLessThan(5_000)
  })

  it('a fact the profile names elsewhere is read there, the others still through the operations', async () => {
    const dut = new FakeDut()
    const { observe } = observing(
      observeProfile({
        outcome: {
          from: 'probe',
          command: { argv: ['true'] },
          extract: { state: { regex: '.*' } },
          states: { installed: [], rejected: [], pending: [] },
          intervalMs: 1,
          timeoutMs: 1,
        },
      }),
      { dut },
    )
    expect(observe.sources).toMatchObject({ version: 'operation', outcome: 'probe', alive: 'operation' })
  })
})

describe('observing a device without an API', () => {
  it('has no version, outcome or sign of life until observe names a source, and says so', async () => {
    const { observe } = observing(observeProfile({}))
    expect(observe.sources).toEqual({ version: undefined, model: undefined, outcome: undefined, checks: 'server', alive: undefined })
    expect(observe.outcomeTimeoutMs).toBeUndefined()
    const v = await observe.version()
    expect(v).toEqual({
      observed: false,
      declared: false,
      source: 'nothing',
      evidence: [],
      reason: 'the DUT profile declares no identify operation and no observe.version',
    })
    expect(() => required(v, 'version')).toThrow(
      expect.objectContaining({
        code: 'E_OBSERVE_MISSING',
        message: 'no version observed: the DUT profile declares no identify operation and no observe.version',
      }),
    )
  })

  it('from: operation on a device that lacks the operation is not observed, never an exception', async () => {
    const dut = new FakeDut({ operations: operationsWithout('identify') })
    const { observe } = observing(observeProfile({ version: { from: 'operation' } }), { dut })
    expect(await observe.version()).toMatchObject({ observed: false, declared: false })
    expect(dut.calls).toEqual([])
  })
})
