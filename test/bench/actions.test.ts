// Bench actions in the run session (bench/actions.ts, Session.act): the profile's bench step, or
// the device operation where the profile names none, and the wait for the device afterwards.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DutError } from '../../core/dut.ts'
import type { CommandSpec } from '../../profile/types.ts'
import { checkTimeline } from '../../suites/lib/functional/observe-checks.ts'
import { FakeDut, operationsWithout, timeout } from '../suites/functional/fake-dut.ts'
import { fakeSession } from '../suites/functional/fake-session.ts'

const node = (script: string): CommandSpec => ({ argv: [process.execPath, '-e', script] })
const benchEvidence = (s: { evidence: { since(m: number): Array<{ channel: string; summary: string }> } }) =>
  s.evidence
    .since(0)
    .filter((e) => e.channel === 'bench')
    .map((e) => e.summary)

describe('which way an action is done', () => {
  it('the device operation where the profile names none; a power cycle only from the bench', async () => {
    const s = await fakeSession()
    expect(['reboot', 'restore', 'factory-reset', 'check-now'].every((a) => s.supportsAction(a as 'reboot'))).toBe(true)
    expect(s.supportsAction('power-cycle')).toBe(false)
    await expect(s.act('power-cycle')).rejects.toMatchObject({
      code: 'E_BENCH_NOT_DECLARED',
      message: 'power-cycle: not declared in the DUT profile (bench.power-cycle)',
    })
    await s.act('reboot')
    expect(s.dut.calls).toContain('reboot')
    expect(benchEvidence(s)).toEqual([])
  })

  it('operation: true needs the operation; without it, the Dut’s own "not declared"', async () => {
    const s = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('restore') }), bench: { restore: { operation: true } } })
    expect(s.supportsAction('restore')).toBe(false)
    await expect(s.act('restore')).rejects.toThrow(
      new DutError('E_DUT_NOT_DECLARED', 'restore', 'operation restore not declared in the DUT profile'),
    )
  })

  it('a bench command instead of the device operation, then a wait until the device answers again', async () => {
    const s = await fakeSession()
    const marker = join(s.lab.workDir, `restored-${Date.now()}`)
    s.profile.bench = { restore: { command: { ...node(`require('fs').writeFileSync(${JSON.stringify(marker)}, 'ok')`) } } }
    await s.act('restore')
    expect(await readFile(marker, 'utf8')).toBe('ok')
    // The bench did it, not the device's API; the wait is identify, answered at once.
    expect(s.dut.calls).not.toContain('restore')
    expect(s.dut.calls.at(-1)).toBe('identify')
    expect(benchEvidence(s)).toEqual([
      expect.stringMatching(/^restore: .* → exit 0 \(\d+\.\d s\)$/),
      expect.stringMatching(/^restore \(command\): the device answered again after \d+\.\d s \(1 attempt\)$/),
    ])
  })

  it('check-now by a command waits for nothing', async () => {
    const s = await fakeSession({ bench: { 'check-now': { command: node('') } } })
    await s.act('check-now')
    expect(s.dut.calls).toEqual([])
  })

  it('a failing or hanging command leaves the action failed, saying why', async () => {
    const s = await fakeSession({
      bench: {
        restore: { command: node('console.error("flash tool: device not in DFU mode"); process.exit(2)') },
        'factory-reset': { command: { ...node('setTimeout(() => {}, 30000)'), timeoutMs: 200 } },
      },
    })
    await expect(s.act('restore')).rejects.toMatchObject({
      code: 'E_BENCH_FAILED',
      message: 'restore: the bench command exited with 2: flash tool: device not in DFU mode',
    })
    await expect(s.act('factory-reset')).rejects.toMatchObject({
      code: 'E_BENCH_TIMEOUT',
      message: 'factory-reset: the bench command ran longer than 200 ms',
    })
  })

  it('a device that does not answer after a power cycle: E_DUT_TIMEOUT after the step’s readyTimeoutMs', async () => {
    const s = await fakeSession({ bench: { 'power-cycle': { command: node(''), readyTimeoutMs: 300 } } })
    s.dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    const started = Date.now()
    await expect(s.act('power-cycle')).rejects.toMatchObject({
      code: 'E_DUT_TIMEOUT',
      message: expect.stringMatching(
        /^identify: after power-cycle \(command\): the device did not answer identify again within 300 ms \(last: no answer within 300 ms\)$/,
      ),
    })
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('readyTimeoutMs: the step’s own, else its device operation’s (as the schema filled it in)', async () => {
    const s = await fakeSession({ readyTimeoutMs: 400, bench: { restore: { command: node('') } } })
    s.dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    await expect(s.act('restore')).rejects.toThrow(/within 400 ms/)
  })
})

describe('the restart before observing update checks (5.3-5)', () => {
  const COMPRESSED = { timeScale: 86_400_000 / 25, observationSeconds: 0.15 }

  it('power-cycles from the bench where the profile declares no reboot', async () => {
    const s = await fakeSession({
      ...COMPRESSED,
      dut: new FakeDut({ operations: operationsWithout('reboot') }),
      bench: { 'power-cycle': { command: node('') } },
    })
    const t = await checkTimeline(s)
    expect(benchEvidence(s)[0]).toMatch(/^power-cycle: .* → exit 0/)
    expect(t.evidence.length).toBeGreaterThan(1)
    expect(s.dut.calls).not.toContain('reboot')
  })

  it('prefers the reboot when both are declared', async () => {
    const s = await fakeSession({ ...COMPRESSED, bench: { 'power-cycle': { command: node('process.exit(1)') } } })
    await checkTimeline(s)
    expect(s.dut.calls).toContain('reboot')
    expect(benchEvidence(s)).toEqual([])
  })
})
