// The supplier's dry run stays lean: a conceptual-only run costs a few times a lint of the same
// folder (both load the documents and the catalog; the run adds vitest and the reports), not the
// twenty times it cost when each group ran in a fresh worker that loaded everything again. A ratio
// within one test, taken as medians of interleaved runs, so a busy machine slows both alike.
// BENCHMARKS.md has the absolute figures (npm run bench).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { measure, type Measured } from '../../scripts/bench/measure.ts'
import { EXAMPLE } from '../helpers.ts'

const CLI = [process.execPath, 'bin/ts701.js']
/** Loose on purpose: measured 3–5× on the 2-core machine, 18× before runs were lean. */
const MAX_RATIO = 8
const MAX_TREE_RSS_MB = 300

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ts701-budget-'))
})
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true })
})

const mid = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!

it('runs the conceptual units within a few lints of the same assessment, in bounded memory', async () => {
  const runs: Measured[] = []
  const lints: Measured[] = []
  for (let i = 0; i < 3; i++) {
    lints.push(await measure([...CLI, 'lint', EXAMPLE]))
    runs.push(await measure([...CLI, 'run', '--conceptual-only', '--assessment', EXAMPLE, '--out', join(scratch, `run-${i}`)]))
  }
  for (const m of [...runs, ...lints]) expect(m.code, m.stderr).toBe(0)
  const ratio = mid(runs.map((m) => m.wallMs)) / mid(lints.map((m) => m.wallMs))
  expect(ratio, `conceptual run ÷ lint = ${ratio.toFixed(1)}`).toBeLessThanOrEqual(MAX_RATIO)
  expect(Math.max(...runs.map((m) => m.peakTreeRssMB))).toBeLessThanOrEqual(MAX_TREE_RSS_MB)
})
