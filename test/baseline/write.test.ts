// Taking a baseline from a run: every unit that did not pass, with the run's reason; written so
// the loader reads back exactly those entries, and refuses them while the tickets are placeholders.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyBaseline } from '../../baseline/apply.ts'
import { loadBaseline } from '../../baseline/load.ts'
import { PLACEHOLDER_TICKET } from '../../baseline/types.ts'
import { baselineFromResults, renderBaseline } from '../../baseline/write.ts'
import { EXIT, runExitCode } from '../../cli/exit.ts'
import type { RunResults } from '../../core/verdict.ts'
import { tempDir } from '../cli/helpers.ts'
import { rigRun, unitsOf } from './fixture.ts'

let dir: string
beforeAll(async () => {
  dir = await tempDir('baseline-write')
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The rig run, with a functional unit per attack and a reason YAML finds awkward. */
function run(): RunResults {
  const r = rigRun()
  const units = r.groups[0]!.cases[0]!.units
  units[1]!.reason = 'signature: "SHA-1" # deprecated\n  second line: [x] & {y}'
  units.push({
    id: '5.3-2-2b',
    target: 'UpdMech-1',
    variant: 'payload-byte',
    verdict: 'FAIL',
    reason: 'installed',
    source: 'observed',
    reads: [],
  })
  return { ...r, dut: 'Evil\nDUT' }
}

const source = { run: 'runs/rig-1', dut: 'Evil\nDUT', startedAt: '2026-11-20T09:00:00.000Z' }

describe('baselineFromResults', () => {
  it('lists every FAIL and INCONCLUSIVE unit in run order with its target, variant and reason', () => {
    const b = baselineFromResults(run(), 'RIG-5')
    expect(b.standard).toBe('en303645-v3.1.3')
    expect(b.entries.map((e) => [e.unit, e.target, e.variant, e.expected, e.ticket])).toEqual([
      ['5.3-7-1b', undefined, undefined, 'FAIL', 'RIG-5'],
      ['5.3-7-1c', 'UpdMech-1', undefined, 'FAIL', 'RIG-5'],
      ['5.3-7-1c', 'UpdMech-2', undefined, 'INCONCLUSIVE', 'RIG-5'],
      ['5.3-7-1d', undefined, undefined, 'INCONCLUSIVE', 'RIG-5'],
      ['5.3-2-2b', 'UpdMech-1', 'payload-byte', 'FAIL', 'RIG-5'],
    ])
    expect(b.entries[0]!.reason).toBe('signature: "SHA-1" # deprecated\n  second line: [x] & {y}')
    expect('target' in b.entries[0]!).toBe(false)
  })

  it('without a ticket, every entry carries the placeholder', () => {
    expect(baselineFromResults(run()).entries.every((e) => e.ticket === PLACEHOLDER_TICKET)).toBe(true)
  })
})

describe('renderBaseline', () => {
  it('round-trips: the loader reads back the entries, and the run they came from is green with them', async () => {
    const taken = baselineFromResults(run(), 'RIG-5')
    const file = join(dir, 'round-trip.yaml')
    await writeFile(file, renderBaseline(taken, source))
    const loaded = await loadBaseline(file, 'en303645-v3.1.3')
    expect(loaded.entries).toEqual(taken.entries)
    expect(runExitCode(run())).toBe(EXIT.fail)
    const applied = applyBaseline(run(), loaded, { strict: true })
    expect(runExitCode(applied)).toBe(EXIT.ok)
    expect(unitsOf(applied).filter((u) => u.baseline?.status === 'known')).toHaveLength(5)
  })

  it('starts with a comment naming the run, one line per comment even for a DUT name with a newline', () => {
    const text = renderBaseline(baselineFromResults(run(), 'RIG-5'), source)
    const header = text.split('\n').filter((l) => l.startsWith('#'))
    expect(header[1]).toBe('# Written by ts701 baseline from runs/rig-1 (Evil DUT, run started 2026-11-20T09:00:00.000Z).')
    expect(text).not.toContain(PLACEHOLDER_TICKET)
    expect(parse(text)).toMatchObject({ standard: 'en303645-v3.1.3' })
  })

  it('without tickets, says in the file to fill them in, and the loader refuses it until then', async () => {
    const text = renderBaseline(baselineFromResults(run()), source)
    expect(text).toContain(`# Replace every ticket ${PLACEHOLDER_TICKET} with the ticket that tracks the failure`)
    const file = join(dir, 'placeholders.yaml')
    await writeFile(file, text)
    await expect(loadBaseline(file, 'en303645-v3.1.3')).rejects.toMatchObject({ code: 'E_BASELINE_TICKET' })
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll(`ticket: ${PLACEHOLDER_TICKET}`, 'ticket: RIG-6'))
    await expect(loadBaseline(file, 'en303645-v3.1.3')).resolves.toMatchObject({ entries: expect.any(Array) })
  })
})
