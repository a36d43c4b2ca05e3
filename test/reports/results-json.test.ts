import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { renderResultsJson, writeResultsJson } from '../../reports/index.ts'
import { resultsJsonReporter } from '../../reports/results-json.ts'
import { sampleResults } from './fixture.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts701-results-'))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const io = { out: () => {}, err: () => {} }

describe('results.json (writeResultsJson)', () => {
  it('round-trips: reading the file back gives the same result model', async () => {
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

  it('writes fields in the order the model was built and leaves absent optional fields out', () => {
    const json = JSON.parse(renderResultsJson(sampleResults())) as RunResults
    expect(Object.keys(json)).toEqual([
      'standard',
      'standardTitle',
      'dut',
      'observedDut',
      'startedAt',
      'finishedAt',
      'conceptualOnly',
      'findings',
      'attacks',
      'files',
      'groups',
    ])
    const [plain, , , notApplicable] = json.groups
    expect(Object.keys(plain!)).toEqual(['id', 'provision', 'status', 'title', 'verdict', 'cases'])
    expect(Object.keys(notApplicable!)).toEqual(['id', 'provision', 'status', 'title', 'verdict', 'reason', 'cases'])
    const units = json.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    const unit = (id: string) => units.find((u) => u.id === id)!
    expect(Object.keys(unit('5.3-8-1a'))).toEqual(['id', 'verdict', 'reason', 'source', 'reads', 'assessor'])
    expect(Object.keys(unit('5.3-7-2a'))).toEqual(['id', 'target', 'verdict', 'reason', 'source', 'reads', 'evidence', 'durationMs'])
  })

  it('carries a field added to the model at any depth, with no change to the reporter', () => {
    const results = sampleResults()
    Object.assign(results, { operator: 'lab bench 3' })
    Object.assign(results.groups[1]!, { note: 'group note' })
    Object.assign(results.groups[1]!.cases[1]!.units[0]!, { retries: 2, capture: { packets: 17 } })
    const json = JSON.parse(renderResultsJson(results)) as Record<string, unknown> & RunResults
    expect(json.operator).toBe('lab bench 3')
    expect(json.groups[1]).toMatchObject({ note: 'group note' })
    expect(json.groups[1]!.cases[1]!.units[0]).toMatchObject({ retries: 2, capture: { packets: 17 } })
  })

  it('refuses a field that JSON would silently drop or empty, naming it', () => {
    const results = sampleResults()
    Object.assign(results, { byVariant: new Map([['payload-byte', 'PASS']]) })
    expect(() => renderResultsJson(results)).toThrow(/"byVariant" is not plain data \(Map\)/)
  })

  it('as a reporter, writes <outDir>/results.json listing every file so far and itself', async () => {
    const out = join(dir, 'reporter')
    const files = await resultsJsonReporter.write(sampleResults(), { outDir: out, io })
    expect(files).toEqual([{ path: 'results.json', kind: 'results' }])
    const json = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(json.files).toEqual([
      { path: 'evidence/exchanges.jsonl', kind: 'evidence' },
      { path: 'results.json', kind: 'results' },
    ])
  })
})
