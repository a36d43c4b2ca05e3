// The run's baseline and the bench's restarts for a device without identify: the version comes
// from what the profile observes, and a power cycle done by the bench is over only once the device
// shows life again where the profile watches it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NoneDut } from '../../adapters/none/index.ts'
import type { Dut } from '../../core/dut.ts'
import { actAndWait, readBaseline } from '../../harness/session.ts'
import type { CommandSpec, DutProfile } from '../../profile/types.ts'
import { closeObservers, observeProfile, observing } from './observe/helpers.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts701-baseline-'))
})
afterAll(async () => {
  await closeObservers()
  await rm(dir, { recursive: true, force: true })
})

const node = (script: string): CommandSpec => ({ argv: [process.execPath, '-e', script], timeoutMs: 10_000 })
const flag = () => join(dir, `up-${Math.random().toString(36).slice(2)}`)
/** Alive while the flag file exists, as a lab probe that pings the device would be. */
const aliveWhile = (file: string) => ({
  from: 'probe' as const,
  command: node(`process.exit(require('fs').existsSync(${JSON.stringify(file)}) ? 0 : 1)`),
})

function withBench(profile: DutProfile, bench: DutProfile['bench']): DutProfile {
  return { ...profile, ...(bench && { bench }) }
}

describe('the baseline of a device without identify', () => {
  it('is the version its observations show, with where it was read', async () => {
    const profile = observeProfile({ version: { from: 'probe', command: node('console.log("2.0.1")') } })
    const { observe } = observing(profile)
    const baseline = await readBaseline(new NoneDut('agent'), observe)
    expect(baseline).toEqual({ version: '2.0.1', source: expect.stringMatching(/probe/) })
    expect(baseline.model).toBeUndefined()
  })

  it('is identify where the device has it and the profile reads the version that way', async () => {
    const profile = observeProfile({})
    const dut = { ...new NoneDut('api'), supports: () => true, identify: async () => ({ model: 'M-1', version: '3.0.0' }) } as Dut
    const { observe } = observing(profile, { dut })
    expect(await readBaseline(dut, observe)).toEqual({ model: 'M-1', version: '3.0.0', source: 'the identify operation' })
  })

  it('is missing, not invented, when nothing shows the version', async () => {
    const { observe } = observing(observeProfile({}))
    await expect(readBaseline(new NoneDut('agent'), observe)).rejects.toMatchObject({ code: 'E_OBSERVE_MISSING' })
  })
})

describe('a bench restart of a device without identify', () => {
  it('is over once the device shows life again, and the evidence says after how long', async () => {
    const up = flag()
    const profile = withBench(observeProfile({ alive: aliveWhile(up) }), {
      'power-cycle': {
        command: node(`setTimeout(() => require('fs').writeFileSync(${JSON.stringify(up)}, 'on'), 300)`),
        readyTimeoutMs: 10_000,
      },
    })
    const { observe, evidence } = observing(profile)
    const dut = new NoneDut('agent')
    await actAndWait({ profile, dut, evidence }, observe, 'power-cycle')
    const said = evidence.since(0).map((e) => `${e.channel}: ${e.summary}`)
    expect(said).toContainEqual(expect.stringMatching(/^bench: power-cycle \(command\): the device showed life again after \d+\.\d s \(/))
  })

  it('fails with E_BENCH_NOT_BACK when the device stays silent past its ready timeout', async () => {
    const profile = withBench(observeProfile({ alive: aliveWhile(flag()) }), {
      'power-cycle': { command: node(''), readyTimeoutMs: 400 },
    })
    const { observe, evidence } = observing(profile)
    await expect(actAndWait({ profile, dut: new NoneDut('agent'), evidence }, observe, 'power-cycle')).rejects.toMatchObject({
      code: 'E_BENCH_NOT_BACK',
      message: expect.stringMatching(/^after power-cycle \(command\): the device showed no sign of life within 400 ms/),
    })
  })

  it('does not wait where nothing shows the device alive: the next reading will tell', async () => {
    const profile = withBench(observeProfile({}), { 'power-cycle': { command: node(''), readyTimeoutMs: 60_000 } })
    const { observe, evidence } = observing(profile)
    const started = Date.now()
    await actAndWait({ profile, dut: new NoneDut('agent'), evidence }, observe, 'power-cycle')
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(evidence.since(0).map((e) => e.summary)).not.toContainEqual(expect.stringMatching(/showed life/))
  })
})
