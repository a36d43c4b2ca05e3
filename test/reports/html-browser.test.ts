// The report of real runs of the bundled reference DUT, conformant (driven over its serial console)
// and with two flaws (over HTTP), as a reader meets it: every unit of results.json with its
// verdict, valid HTML, and a page a real browser shows and prints without complaint. The two runs
// of one DUT then merge into one report, and an altered evidence file fails ts701 verify.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { resultName } from '../../core/verdict.ts'
import { tempDir, ts701Async, ts701InProcess, type CliResult } from '../cli/helpers.ts'
import { renderInChromium } from './chromium.ts'
import { reportedUnits, validateHtml } from './html-checks.ts'

interface Run {
  cli: CliResult
  dir: string
  results: RunResults
  page: string
}

async function run(args: string[]): Promise<Run> {
  const dir = await tempDir('html-report')
  const cli = await ts701Async(['run', '--assessment', 'examples/reference-dut', '--out', dir, ...args])
  const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as RunResults
  return { cli, dir, results, page: await readFile(join(dir, 'report.html'), 'utf8') }
}

const unitsOf = (r: RunResults) =>
  r.groups.flatMap((g) => g.cases.flatMap((c) => c.units.map((u) => ({ unit: resultName(u), verdict: u.verdict }))))

describe('report.html of the reference DUT', () => {
  const runs: Record<'conformant' | 'flawed', Run> = {} as never
  beforeAll(async () => {
    runs.conformant = await run(['--channel', 'serial'])
    runs.flawed = await run(['--flaw', 'skip-signature-check', '--flaw', 'no-boot-check'])
  }, 240_000)

  for (const which of ['conformant', 'flawed'] as const) {
    it(`${which}: ends the terminal output with the report's path, and holds every unit with its verdict`, async () => {
      const r = runs[which]
      expect(r.cli.stdout.trimEnd().split('\n').at(-1)).toBe(`report: ${join(r.dir, 'report.html')}`)
      expect(reportedUnits(r.page)).toEqual(unitsOf(r.results))
      expect(await validateHtml(r.page)).toEqual([])
    })

    it(`${which}: a real browser shows it and prints it to PDF, with nothing on its console`, async () => {
      const shown = await renderInChromium(join(runs[which].dir, 'report.html'))
      expect(shown.console).toEqual([])
      expect(shown.screenshot.subarray(1, 4).toString()).toBe('PNG')
      expect(shown.pdf.subarray(0, 5).toString()).toBe('%PDF-')
      // A group per page: the print runs to many pages.
      const pages = (shown.pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length
      expect(pages).toBeGreaterThan(runs[which].results.groups.length)
    }, 120_000)
  }

  it('puts the flawed device’s FAILs first, with the campaign and the missing boot check drawn', () => {
    const { page, results } = runs.flawed
    const failed = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.verdict === 'FAIL')
    expect(failed.length).toBeGreaterThan(0)
    expect(page).toContain(`<h3>Failed (${failed.length})</h3>`)
    expect(page.indexOf('<h3>Failed (')).toBeLessThan(page.indexOf('<h3>Open ('))
    // The campaign table: the genuine image installed, signature attacks installed too (FAIL).
    const campaign = /<section id="campaign">[\s\S]*?<\/section>/.exec(page)?.[0] ?? ''
    expect(campaign).toMatch(/signature-removed<\/a>[\s\S]*?1\.0\.0 → 1\.1\.0[\s\S]*?badge fail/)
    // The boot check that never came: the first dot lies a day after the restart.
    expect(page).toMatch(/<figure class="timeline">/)
    expect(runs.conformant.page).toContain('<h3>Failed (0)</h3>')
  })

  it('merges the two runs into one report that shows where they disagree', async () => {
    const out = await tempDir('merged-report')
    const r = await ts701InProcess(['report', runs.conformant.dir, runs.flawed.dir, '--label', 'serial,http', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').at(-1)).toBe(join(out, 'report.html'))
    const merged = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    const page = await readFile(join(out, 'report.html'), 'utf8')
    expect(reportedUnits(page)).toEqual(unitsOf(merged))
    expect(await validateHtml(page)).toEqual([])
    // The flawed run finished later: its FAILs are kept, each beside the serial run's PASS.
    const disputed = merged.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.conflicts?.length)
    expect(disputed.length).toBeGreaterThan(0)
    for (const u of disputed) expect(u).toMatchObject({ run: 'http', verdict: 'FAIL', conflicts: [{ run: 'serial', verdict: 'PASS' }] })
    expect(page).toContain('<h3>Runs that disagree</h3>')
    // Evidence is cited under the label of the run each verdict comes from; both runs are named on the cover.
    expect(page).toMatch(/<td class="id">http\/E\d{6}<\/td>/)
    expect(merged.runs?.map((x) => [x.label, x.dir])).toEqual([
      ['serial', runs.conformant.dir],
      ['http', runs.flawed.dir],
    ])
    expect(page).toContain(`<code>${runs.conformant.dir}</code>`)
  })

  it('ts701 verify holds for a run folder as written, and names an evidence file altered by one byte', async () => {
    const { dir } = runs.conformant
    const intact = await ts701InProcess(['verify', dir])
    expect(intact.code, intact.stdout + intact.stderr).toBe(0)
    const log = join(dir, 'evidence', 'exchanges.jsonl')
    const bytes = await readFile(log)
    bytes[100] = bytes[100]! ^ 0x01
    await writeFile(log, bytes)
    const altered = await ts701InProcess(['verify', dir])
    expect(altered.code).toBe(1)
    expect(altered.stdout).toContain('altered: evidence/exchanges.jsonl')
  })
})
