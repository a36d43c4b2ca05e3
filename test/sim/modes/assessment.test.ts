import { describe, expect, it } from 'vitest'
import type { UnitResult } from '../../../core/verdict.ts'
import { runAssessment, tempDir } from '../../cli/helpers.ts'
import { EXAMPLE } from '../../helpers.ts'

/**
 * The API-less modes assessed end to end by the CLI, as a lab would: everything the judges rest
 * on is read from the device's requests to the emulator, and the bench does the rest. Each run
 * takes only the groups its test looks at: the detection matrix (test/matrix/) runs the whole
 * assessment in these modes, with and without every flaw.
 */

interface Run {
  code: number
  units: UnitResult[]
  failed: string[]
}

const nameOf = (u: UnitResult): string => (u.variant ? `${u.id} ${u.variant}` : u.id)

async function assess(mode: 'pull' | 'hawkbit', groups: string[], flaw?: string, extra: string[] = []): Promise<Run> {
  const out = await tempDir(`mode-${mode}`)
  const { code, results } = await runAssessment(
    ['--assessment', EXAMPLE, '--mode', mode, '--group', groups.join(','), ...(flaw ? ['--flaw', flaw] : []), ...extra],
    out,
  )
  const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const failed = [...new Set(units.filter((u) => u.verdict === 'FAIL').map(nameOf))].sort()
  return { code, units, failed }
}

/**
 * The example IXIT describes the reference DUT with its web upload and settings; a device in
 * these modes has neither, so exactly those units stay open, each naming what it lacks.
 */
const LACKING = /UpdMech-LocalUpload \(add it under mechanisms\)|operation (read-settings|change-settings [a-z-]+) not declared/

function expectConformant(run: Run): void {
  const open = run.units.filter((u) => u.verdict === 'INCONCLUSIVE')
  expect(run.failed).toEqual([])
  expect(open.filter((u) => !LACKING.test(u.reason ?? '')).map((u) => `${nameOf(u)} [${u.target}]: ${u.reason}`)).toEqual([])
  expect(run.code).toBe(open.length ? 2 : 0)
  const network = (id: string) => run.units.filter((u) => u.id === id && u.target === 'UpdMech-Network').map((u) => u.verdict)
  // What the server-side observation must carry: checks, attacks refused, the valid image installed.
  // (5.3-5-2b, the periodic checks, is V2.1.1's; the default edition asks for none.)
  for (const id of ['5.3-5-2a', '5.3-5-2c', '5.3-9-2a', '5.3-9-2b', '5.3-9-2c', '5.3-10-1d'])
    expect(network(id).length && network(id).every((v) => v === 'PASS'), id).toBe(true)
  expect(run.units.find((u) => u.id === '5.3-16-2a')?.verdict).toBe('PASS')
}

/** The groups of the units expectConformant names. */
const OBSERVED = ['5.3-5', '5.3-9', '5.3-10', '5.3-16']

// Side by side: each run mostly waits on its device's daily poll, and each has its own device and ports.
describe.concurrent('the API-less modes, assessed end to end', () => {
  it('mode pull: the conformant device FAILs nothing, and PASSes from what it sent the server', async () => {
    expectConformant(await assess('pull', OBSERVED))
  }, 240_000)

  it('mode hawkbit: the conformant device FAILs nothing, and PASSes from what it sent the server', async () => {
    expectConformant(await assess('hawkbit', OBSERVED))
  }, 240_000)

  it('mode pull: accept-unsigned FAILs the units of unsigned images, seen in the status and inventory reports', async () => {
    const run = await assess('pull', ['5.3-1', '5.3-2', '5.3-9'], 'accept-unsigned')
    expect(run.failed).toEqual(['5.3-1-2a', '5.3-2-2b signature-removed', '5.3-9-2b'])
    expect(run.code).toBe(1)
  }, 240_000)

  it('mode pull: no-periodic-check FAILs 5.3-5-2b (V2.1.1), counted from the polls alone', async () => {
    const run = await assess('pull', ['5.3-5'], 'no-periodic-check', ['--standard', 'en303645-v2.1.1'])
    expect(run.failed).toEqual(['5.3-5-2b'])
    expect(run.code).toBe(1)
  }, 240_000)
})
