import { defineConfig } from 'vitest/config'

// The harness's own tests. Conformance runs configure vitest separately (harness/suite-runner.ts),
// which is why suites/ is not listed here: its files are only test files inside a run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most tests wait on a time-compressed device or a CLI child, not on the CPU: one worker per core
    // (vitest's default leaves one core idle on a 2-core rig) would run the detection matrix serially.
    maxWorkers: 3,
  },
})
