import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import type { RunResults } from '../../core/verdict.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701Async } from './helpers.ts'

let setup: ReferenceSetup | undefined
afterAll(async () => setup?.close())

describe('a DUT profile that cannot drive everything', () => {
  it('leaves what it cannot drive INCONCLUSIVE, naming the missing operation or mechanism', async () => {
    setup = await createReferenceSetup()
    const doc = parseDocument(await readFile(setup.profileFile, 'utf8'))
    doc.deleteIn(['operations', 'read-settings'])
    doc.deleteIn(['mechanisms', 'UpdMech-LocalUpload'])
    const profile = join(setup.dir, 'partial.yaml')
    await writeFile(profile, doc.toString())
    const out = await tempDir('out')
    const r = await ts701Async(
      ['run', '--assessment', EXAMPLE, '--dut', profile, '--out', out, '--group', '5.3-4B', '--group', '5.3-16', '--group', '5.3-2'],
      setup.env,
    )
    expect(r.code).toBe(2)
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    expect(units.find((u) => u.id === '5.3-4B-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/read-settings.*not declared/),
    })
    const local = units.filter((u) => u.id.startsWith('5.3-2-2') && u.target === 'UpdMech-LocalUpload')
    expect(local.length).toBeGreaterThan(1)
    for (const u of local)
      expect(u).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringMatching(/does not say how to drive UpdMech-LocalUpload/) })
    expect(units.find((u) => u.id === '5.3-16-2a')?.verdict).toBe('PASS')
  }, 120_000)
})
