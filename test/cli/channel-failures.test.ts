import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { startMosquitto, type MosquittoBroker } from '../brokers.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701Async, withShortWaits } from './helpers.ts'

let setup: ReferenceSetup | undefined
let broker: MosquittoBroker | undefined

afterEach(async () => {
  await setup?.close()
  await broker?.close()
  setup = undefined
  broker = undefined
})

async function waitForLine(file: string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (pattern.test(await readFile(file, 'utf8').catch(() => ''))) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${pattern} did not appear in ${file}`)
}

/** Starts a run against the setup, breaks the channel once the campaign is under way, and waits. */
async function runAndBreak(s: ReferenceSetup, breakChannel: () => Promise<void>) {
  const out = await tempDir('out')
  // Broken for good: a few seconds show that every later unit gives up with its reason.
  const profile = await withShortWaits(s.profileFile, 3_000)
  const done = ts701Async(['run', '--assessment', EXAMPLE, '--dut', profile, '--out', out, '--group', '5.3-2', '--group', '5.3-16'], s.env)
  await waitForLine(join(out, 'evidence', 'exchanges.jsonl'), /offering manifest-byte/, 90_000)
  await breakChannel()
  const r = await done
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  return { ...r, units: results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)) }
}

describe('a channel that breaks in the middle of a run', () => {
  it('MQTT: a broker that goes away leaves INCONCLUSIVE units with the reason, and the report is written', async () => {
    broker = await startMosquitto({ dedicated: true })
    setup = await createReferenceSetup({ channel: 'mqtt', brokerUrl: broker.url })
    const { code, stderr, units } = await runAndBreak(setup, () => broker!.close())
    expect(code).toBe(2)
    expect(stderr).not.toMatch(/\n\s+at /)
    expect(units.some((u) => u.verdict === 'FAIL')).toBe(false)
    expect(units.find((u) => u.id === '5.3-16-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/identify: .*broker/i),
    })
  }, 240_000)

  it('serial: a console port that disappears leaves INCONCLUSIVE units with the reason, and the report is written', async () => {
    setup = await createReferenceSetup({ channel: 'serial' })
    const { code, stderr, units } = await runAndBreak(setup, () => setup!.console!.close())
    expect(code).toBe(2)
    expect(stderr).not.toMatch(/\n\s+at /)
    expect(units.some((u) => u.verdict === 'FAIL')).toBe(false)
    expect(units.find((u) => u.id === '5.3-16-2a')).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringMatching(/identify: /) })
  }, 240_000)
})
