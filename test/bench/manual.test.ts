// Manual bench steps (bench/manual.ts): the operator is asked on the terminal and confirms with
// Enter. A pseudo-terminal pair stands in for /dev/tty; without a terminal nobody is asked and
// the unit that needed the step is INCONCLUSIVE.
import { afterEach, describe, expect, it } from 'vitest'
import { BenchError } from '../../bench/errors.ts'
import { manualStep } from '../../bench/manual.ts'
import { EvidenceLog } from '../../core/evidence.ts'
import { restoreBaseline } from '../../suites/lib/functional/deliver.ts'
import { FakeDut, operationsWithout } from '../suites/functional/fake-dut.ts'
import { fakeSession, NETWORK, runUnit } from '../suites/functional/fake-session.ts'
import { operator, type Operator } from './operator.ts'

const REFLASH = 'Reflash firmware 1.0.0 with the vendor tool (J3 jumper closed), then power the device on.'

const opened: Operator[] = []
async function terminal(): Promise<Operator> {
  const o = await operator()
  opened.push(o)
  return o
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()))
})

const summaries = (evidence: EvidenceLog) => evidence.since(0).map((e) => `${e.channel}: ${e.summary}`)

describe('a manual step', () => {
  it('shows the instructions on the terminal and goes on once the operator presses Enter', async () => {
    const op = await terminal()
    const evidence = new EvidenceLog()
    const step = manualStep({ label: 'restore', instructions: REFLASH, evidence, terminal: op.terminal })
    const shown = await op.shown(/Press Enter when done.*: $/)
    expect(shown).toContain(`[ts701] restore: an operator step\n  ${REFLASH}\n`)
    await op.type('\n')
    await expect(step).resolves.toBeUndefined()
    expect(summaries(evidence)).toEqual([
      `bench: restore: asked the operator: ${REFLASH}`,
      expect.stringMatching(/^bench: restore: the operator confirmed after \d+\.\d s$/),
    ])
  })

  it('takes a raw terminal’s Enter (\\r) too, and "skip" as the operator’s no', async () => {
    const op = await terminal()
    const evidence = new EvidenceLog()
    const confirmed = manualStep({ label: 'power-cycle', instructions: 'Unplug and replug the device', evidence, terminal: op.terminal })
    await op.shown(/Unplug and replug/)
    await op.type('done\r')
    await expect(confirmed).resolves.toBeUndefined()

    const declined = manualStep({ label: 'restore', instructions: REFLASH, evidence, terminal: op.terminal })
    await op.shown(/Reflash firmware/)
    await op.type('skip\n')
    await expect(declined).rejects.toMatchObject({
      code: 'E_BENCH_DECLINED',
      message: `restore: the operator could not do the step: ${REFLASH}`,
    })
  })

  it('gives up when the operator does not answer in time', async () => {
    const op = await terminal()
    const evidence = new EvidenceLog()
    const step = manualStep({
      label: 'factory-reset',
      instructions: 'Hold the reset button for 10 s',
      evidence,
      terminal: op.terminal,
      timeoutMs: 300,
    })
    await expect(step).rejects.toMatchObject({
      code: 'E_BENCH_TIMEOUT',
      message: 'needs an operator: Hold the reset button for 10 s (factory-reset: no answer within 300 ms)',
    })
    expect(await op.shown(/no answer, giving up/)).toContain('Hold the reset button')
  })

  it('without a terminal asks nobody and fails at once with E_BENCH_NO_OPERATOR', async () => {
    const evidence = new EvidenceLog()
    for (const [path, why] of [
      ['/nonexistent/tty', 'no terminal to ask on (/nonexistent/tty: ENOENT)'],
      ['/dev/null', '/dev/null is not a terminal'],
    ] as const) {
      const step = manualStep({ label: 'restore', instructions: REFLASH, evidence, terminal: path })
      await expect(step).rejects.toBeInstanceOf(BenchError)
      await expect(step).rejects.toMatchObject({ code: 'E_BENCH_NO_OPERATOR', message: `needs an operator: ${REFLASH} (restore: ${why})` })
    }
    expect(evidence.since(0)).toEqual([])
  })
})

describe('manual bench actions in a run session', () => {
  it('restore by an operator: the session waits for Enter, then for the device, and the baseline is back', async () => {
    const op = await terminal()
    const s = await fakeSession({
      dut: new FakeDut({ operations: operationsWithout('restore') }),
      bench: { restore: { manual: REFLASH } },
      terminal: op.terminal,
    })
    expect(s.supportsAction('restore')).toBe(true)
    s.dut.version = '1.1.0' // an attack image was installed
    const restored = restoreBaseline(s, { model: s.dut.model, version: '1.0.0' })
    await op.shown(/Press Enter when done/)
    s.dut.version = '1.0.0' // what the operator's reflash does
    await op.type('\n')
    expect(await restored).toBe(true)
    expect(s.dut.calls).not.toContain('restore')
    expect(summaries(s.evidence).filter((e) => e.startsWith('bench:'))).toEqual([
      `bench: restore: asked the operator: ${REFLASH}`,
      expect.stringMatching(/^bench: restore: the operator confirmed after/),
      expect.stringMatching(/^bench: restore \(manual\): the device answered again after \d+\.\d s \(1 attempt\)$/),
    ])
  })

  it('INCONCLUSIVE "needs an operator" when a unit needs a manual step and there is no terminal', async () => {
    const s = await fakeSession({ bench: { 'factory-reset': { manual: 'Hold the reset button for 10 s' } }, terminal: '/nonexistent/tty' })
    expect(await runUnit(s, '5.3-4B-2a', { target: NETWORK })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'needs an operator: Hold the reset button for 10 s (factory-reset: no terminal to ask on (/nonexistent/tty: ENOENT))',
    })
    // The device's own factory reset was not used in the operator's place.
    expect(s.dut.calls).not.toContain('factory-reset')
  })
})
