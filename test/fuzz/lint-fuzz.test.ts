import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkFindings, type FuzzFailure, type FuzzSummary } from './lint-fuzz.ts'
import { iterationSeed, mutate, MUTATIONS, Rng } from './mutate.ts'

/**
 * Fixed in CI, so a red run is the same run again; TS701_FUZZ_SEED / TS701_FUZZ_ITERATIONS try
 * others. A lint costs about 12 ms of CPU (the loaders parse every document each time): CI's
 * 10,000 take about two minutes alone, more beside other test files; `npm run fuzz` runs longer ones.
 */
const SEED = Number(process.env.TS701_FUZZ_SEED ?? 20_240_701)
const ITERATIONS = Number(process.env.TS701_FUZZ_ITERATIONS ?? 10_000)

/** What the fuzz process prints: the summary, its failures without their documents. */
type ChildSummary = Omit<FuzzSummary, 'failures'> & { failures: Array<Omit<FuzzFailure, 'bytes'>> }

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))

/**
 * The fuzz is CPU and nothing else: no device, no clock of its own. It runs in processes of its
 * own at idle scheduling priority (SCHED_IDLE, where `chrt` can set it), so it takes the CPU the
 * device-driven files beside it leave idle, instead of starving simulated devices whose clocks
 * then run late. Two processes, each a half of the iterations (the same documents: each follows
 * from the seed and its number), so what is left at the end runs on both cores.
 */
async function fuzzAtIdlePriority(seed: number, iterations: number, parts = 2): Promise<ChildSummary> {
  const idle = spawnSync('chrt', ['--idle', '0', 'true']).status === 0
  const size = Math.ceil(iterations / parts)
  const ranges = Array.from({ length: parts }, (_, i) => [i * size, Math.min(size, iterations - i * size)] as const).filter(
    ([, n]) => n > 0,
  )
  const summaries = await Promise.all(ranges.map(([first, n]) => fuzzProcess(seed, n, first, idle)))
  return {
    iterations: summaries.reduce((sum, s) => sum + s.iterations, 0),
    viaMain: summaries.reduce((sum, s) => sum + s.viaMain, 0),
    rejected: summaries.reduce((sum, s) => sum + s.rejected, 0),
    failures: summaries.flatMap((s) => s.failures),
    ms: Math.max(...summaries.map((s) => s.ms)),
  }
}

async function fuzzProcess(seed: number, iterations: number, first: number, idle: boolean): Promise<ChildSummary> {
  const node = [process.execPath, '--max-semi-space-size=64', '--import', 'tsx', CHILD, String(iterations), String(seed), String(first)]
  const [command, ...args] = idle ? ['chrt', '--idle', '0', ...node] : node
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0)
    throw new Error(`the fuzz process (iterations ${first}–${first + iterations - 1}) ended with ${code}:\n${stderr.slice(-4000)}`)
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildSummary
}

describe('lint on damaged documents', () => {
  it('mutates the same way for the same seed, and differently for others', () => {
    const text = 'a: 1\nb: [x, y]\nc: { d: "e" }\n'
    const run = (seed: number) => Array.from({ length: 30 }, (_, i) => mutate(text, new Rng(iterationSeed(seed, i))).bytes.toString('hex'))
    expect(run(1)).toEqual(run(1))
    expect(run(1)).not.toEqual(run(2))
    // Every class is reachable and changes the text.
    for (const c of MUTATIONS) {
      const changed = Array.from({ length: 20 }, (_, i) => mutate(text, new Rng(i), [c]).bytes.toString()).filter((t) => t !== text)
      expect(changed.length, c).toBeGreaterThan(0)
    }
  })

  it('counts as failures what a user must never see: internal errors and unlocated findings', () => {
    const at = { file: 'ics.yaml', line: 3, column: 1 }
    expect(checkFindings([{ severity: 'error', code: 'schema', message: 'fine', ...at }])).toBeUndefined()
    expect(checkFindings([{ severity: 'error', code: 'internal-error', message: 'cannot load assessment: x', ...at }])).toMatch(
      /internal-error/,
    )
    expect(checkFindings([{ severity: 'error', code: 'schema', message: 'no line', ...at, line: 0 }])).toMatch(/without a location/)
    expect(checkFindings([{ severity: 'error', code: 'schema', message: 'x\n    at f (a.ts:1:2)', ...at }])).toMatch(/stack trace/)
  })

  it(
    `never crashes, prints no stack trace and locates every error (${ITERATIONS} documents, seed ${SEED})`,
    async () => {
      const summary = await fuzzAtIdlePriority(SEED, ITERATIONS)
      const shown = summary.failures
        .slice(0, 5)
        .map((f) => `seed ${f.seed} iteration ${f.iteration} (${f.document}, ${f.what}): ${f.problem.slice(0, 800)}`)
      expect(shown, `replay one with: npm run fuzz -- 1 ${SEED} --from <iteration>`).toEqual([])
      expect(summary.iterations).toBe(ITERATIONS)
      // The mutations reach the checks: most documents are refused, some through the whole command.
      expect(summary.rejected).toBeGreaterThan(ITERATIONS / 2)
      expect(summary.viaMain).toBeGreaterThan(0)
    },
    // 10,000 took 287 s on the 2-core rig under a load of 10; the margin is for a busy machine.
    900_000,
  )
})
