import { describe, expect, it } from 'vitest'
import { checkFindings, fuzzLint } from './lint-fuzz.ts'
import { iterationSeed, mutate, MUTATIONS, Rng } from './mutate.ts'

/**
 * Fixed in CI, so a red run is the same run again; TS701_FUZZ_SEED / TS701_FUZZ_ITERATIONS try
 * others. A lint costs about 12 ms of CPU (the loaders parse every document each time): CI's
 * 10,000 take about two minutes alone, more beside other test files; `npm run fuzz` runs longer ones.
 */
const SEED = Number(process.env.TS701_FUZZ_SEED ?? 20_240_701)
const ITERATIONS = Number(process.env.TS701_FUZZ_ITERATIONS ?? 10_000)

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
      const summary = await fuzzLint({ seed: SEED, iterations: ITERATIONS })
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
