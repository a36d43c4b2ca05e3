import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { execute, prepare } from '../../harness/run.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { tempDir } from '../cli/helpers.ts'
import { EXAMPLE } from '../helpers.ts'
import { portIsFree } from './port.ts'

let setup: ReferenceSetup | undefined
afterAll(async () => {
  await setup?.close()
})

describe('a run with a device', () => {
  it('stops its session before the results exist: the emulator is closed and its port free', async () => {
    setup = await createReferenceSetup({ dir: await tempDir('lifecycle-sim') })
    const out = await tempDir('lifecycle-out')
    const prepared = await prepare(EXAMPLE, { groups: ['5.3-2'], dut: { profileFile: setup.profileFile, out, env: setup.env } })
    const results = await execute(prepared, { progress: false })
    const port = Number(new URL(setup.updateServerUrl).port)
    expect(await portIsFree(port)).toBe(true)
    const evidence = (await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; channel: string; detail?: { event?: string } })
    const server = evidence.filter((e) => e.channel === 'update-server')
    expect(server.at(-1)?.detail?.event).toBe('close')
    expect(results.observedDut).toEqual({ model: 'TS701-REF-1', version: expect.any(String), source: 'the identify operation' })
    expect(results.files).toEqual([{ path: 'evidence/exchanges.jsonl', kind: 'evidence' }])
    expect(results.attacks.length).toBeGreaterThan(3)
    const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    expect(units.every((u) => typeof u.durationMs === 'number')).toBe(true)
    const ids = new Set(evidence.map((e) => e.id))
    const cited = units.flatMap((u) => u.evidence ?? [])
    expect(cited.length).toBeGreaterThan(0)
    expect(cited.every((id) => ids.has(id))).toBe(true)
  }, 180_000)
})
