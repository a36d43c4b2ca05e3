import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { REPORTERS, renderSummary, runReporters, type Reporter } from '../../reports/index.ts'
import { sampleResults } from './fixture.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts701-reporters-'))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

function capture() {
  const lines: string[] = []
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`err: ${l}`) } }
}

describe('the reporter list', () => {
  it('registers JUnit, the terminal summary, the HTML report and results.json, results.json last', () => {
    expect(REPORTERS.map((r) => r.name)).toEqual(['junit', 'summary', 'html', 'results.json'])
  })

  it('writes every report into the output folder and prints the summary', async () => {
    const out = join(dir, 'all')
    const { lines, io } = capture()
    const final = await runReporters(sampleResults(), { outDir: out, io })
    await access(join(out, 'junit.xml'))
    expect(lines).toEqual([renderSummary(sampleResults())])
    expect(final.files).toEqual([
      { path: 'evidence/exchanges.jsonl', kind: 'evidence' },
      { path: 'junit.xml', kind: 'junit' },
      { path: 'report.html', kind: 'report' },
      { path: 'results.json', kind: 'results' },
    ])
    const json = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(json.files).toEqual(final.files)
  })

  it('takes a new report as one reporter in the list, and results.json lists its file', async () => {
    const out = join(dir, 'extra')
    const csv: Reporter = {
      name: 'csv',
      async write(results, ctx) {
        const rows = results.groups.map((g) => `${g.id},${g.verdict}`)
        await writeFile(join(ctx.outDir, 'verdicts.csv'), `${rows.join('\n')}\n`)
        return [{ path: 'verdicts.csv', kind: 'csv' }]
      },
    }
    const [junit, summary, , resultsJson] = REPORTERS
    const { io } = capture()
    await runReporters(sampleResults(), { outDir: out, io }, [junit!, summary!, csv, resultsJson!])
    expect(await readFile(join(out, 'verdicts.csv'), 'utf8')).toContain('5.3-7,FAIL')
    const json = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(json.files.map((f) => f.path)).toEqual(['evidence/exchanges.jsonl', 'junit.xml', 'verdicts.csv', 'results.json'])
  })
})
