import { defineConfig } from 'vitest/config'
import LongFirstSequencer from './test/setup/sequencer.ts'

// The harness's own tests. Conformance runs configure vitest separately (harness/suite-runner.ts),
// which is why suites/ is not listed here: its files are only test files inside a run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run the compiled CLI: build it first when the sources are newer.
    globalSetup: ['test/setup/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most tests wait on a time-compressed device or a CLI child, not on the CPU, so two files run at
    // once (vitest's default on a 2-core rig is one). Not more: a starved simulated device runs late
    // by hours of its own time (one real second is half a device day), and its verdicts change.
    maxWorkers: 2,
    sequence: { sequencer: LongFirstSequencer },
  },
})
