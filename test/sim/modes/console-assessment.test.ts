// Assessments of the reference DUT in mode console, through the CLI: the conformant device passes
// with nothing left open, and flaws of its update checks and of its image verification are found
// through what it prints on its console (check lines, installation results) and the bench. Each run
// takes only the groups its test looks at: the detection matrix runs the whole assessment in this mode.
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RecordedEntry } from '../../../core/evidence.ts'
import type { UnitResult } from '../../../core/verdict.ts'
import { runAssessment, tempDir } from '../../cli/helpers.ts'
import { EXAMPLE } from '../../helpers.ts'

interface Run {
  code: number
  units: UnitResult[]
  failed: string[]
  evidence: Map<string, RecordedEntry>
}

const outs: string[] = []
afterAll(async () => {
  for (const out of outs) await rm(out, { recursive: true, force: true })
})

const nameOf = (u: UnitResult): string => (u.variant ? `${u.id} ${u.variant}` : u.id)

async function assess(groups: string[], flaw?: string): Promise<Run> {
  const out = await tempDir('console-mode')
  outs.push(out)
  const { code, results } = await runAssessment(
    ['--assessment', EXAMPLE, '--mode', 'console', '--group', groups.join(','), ...(flaw ? ['--flaw', flaw] : [])],
    out,
  )
  const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const evidence = new Map<string, RecordedEntry>()
  for (const line of (await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')).split('\n')) {
    if (line.trim() === '') continue
    const e = JSON.parse(line) as RecordedEntry
    evidence.set(e.id, e)
  }
  return { code, units, failed: [...new Set(units.filter((u) => u.verdict === 'FAIL').map(nameOf))].sort(), evidence }
}

/** The console lines (received) among a unit's evidence. */
function consoleLines(run: Run, unit: string): string[] {
  return run.units
    .filter((u) => nameOf(u) === unit)
    .flatMap((u) => u.evidence ?? [])
    .map((id) => run.evidence.get(id))
    .filter((e) => e?.channel === 'serial' && e.detail?.direction === 'received')
    .map((e) => String(e!.detail!.text))
}

// Side by side: each run mostly waits on its device, and each has its own device, console and ports.
describe.concurrent('assessment of the reference DUT in mode console (console-only A/B updater)', () => {
  it('the conformant device: no FAIL, nothing left open, exit 0', async () => {
    const run = await assess(['5.3-5'])
    const open = run.units
      .filter((u) => u.verdict === 'FAIL' || u.verdict === 'INCONCLUSIVE')
      .map((u) => `${nameOf(u)} ${u.verdict}: ${u.reason}`)
    expect(open).toEqual([])
    expect(run.code).toBe(0)
    // Its checks were seen as the lines it printed.
    expect(consoleLines(run, '5.3-5-2a').some((l) => /^\[upd\] checking for updates \(boot\)/.test(l))).toBe(true)
  }, 600_000)

  it('no-boot-check: 5.3-5-2a FAILs on the check lines the device printed after its power cycle', async () => {
    const run = await assess(['5.3-5'], 'no-boot-check')
    expect(run.failed).toEqual(['5.3-5-2a'])
    expect(run.code).toBe(1)
    const lines = consoleLines(run, '5.3-5-2a')
    expect(lines.some((l) => /^\[upd\] checking for updates \(periodic\)/.test(l))).toBe(true)
    expect(lines.some((l) => /^\[upd\] checking for updates \(boot\)/.test(l))).toBe(false)
  }, 600_000)

  it('accept-unsigned: 5.3-1-2a FAILs, the installation seen in the success line the device printed', async () => {
    const run = await assess(['5.3-1', '5.3-2', '5.3-9'], 'accept-unsigned')
    expect(run.failed).toContain('5.3-1-2a')
    expect(run.failed).toEqual(['5.3-1-2a', '5.3-2-2b signature-removed', '5.3-9-2b'])
    expect(consoleLines(run, '5.3-2-2b signature-removed').some((l) => /^\[upd\] install \S+: success$/.test(l))).toBe(true)
  }, 600_000)
})
