import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { writeResultsJson } from '../../reports/index.ts'
import { sampleResults } from './fixture.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts701-results-'))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('results.json (writeResultsJson)', () => {
  it('round-trips: reading the file back gives the same result tree', async () => {
    const file = join(dir, 'out', 'results.json')
    await writeResultsJson(sampleResults(), file)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(sampleResults())
  })

  it('is pretty-printed with two-space indentation and ends with a newline', async () => {
    const file = join(dir, 'pretty.json')
    await writeResultsJson(sampleResults(), file)
    const text = await readFile(file, 'utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(text.startsWith('{\n  "standard": "en303645-v3.1.3",\n')).toBe(true)
  })

  it('writes fields in the documented order and leaves absent optional fields out', async () => {
    const file = join(dir, 'order.json')
    await writeResultsJson(sampleResults(), file)
    const json = JSON.parse(await readFile(file, 'utf8')) as RunResults
    expect(Object.keys(json)).toEqual(['standard', 'standardTitle', 'dut', 'startedAt', 'finishedAt', 'conceptualOnly', 'groups'])
    const [plain, , , notApplicable] = json.groups
    expect(Object.keys(plain!)).toEqual(['id', 'provision', 'status', 'title', 'verdict', 'cases'])
    expect(Object.keys(notApplicable!)).toEqual(['id', 'provision', 'status', 'title', 'verdict', 'reason', 'cases'])
    expect(Object.keys(plain!.cases[0]!)).toEqual(['id', 'kind', 'verdict', 'units'])
    const units = json.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    const unit = (id: string) => units.find((u) => u.id === id)!
    expect(Object.keys(unit('5.3-1-1a'))).toEqual(['id', 'target', 'verdict', 'reason', 'source', 'reads'])
    expect(Object.keys(unit('5.3-8-1a'))).toEqual(['id', 'verdict', 'reason', 'source', 'reads', 'assessor'])
    expect(Object.keys(unit('5.3-7-2a'))).toEqual(['id', 'target', 'verdict', 'reason', 'source', 'reads', 'evidence'])
  })

  it('carries only result fields, not whatever else the caller attached at runtime', async () => {
    const results = sampleResults()
    Object.assign(results.groups[0]!.cases[0]!.units[0]!, { internalHandle: { socket: 3 } })
    const file = join(dir, 'extra.json')
    await writeResultsJson(results, file)
    expect(await readFile(file, 'utf8')).not.toContain('internalHandle')
  })
})
