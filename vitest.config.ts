import { defineConfig } from 'vitest/config'
import LongFirstSequencer from './test/setup/sequencer.ts'

// The harness's own tests. Conformance runs configure vitest separately (harness/suite-runner.ts),
// which is why suites/ is not listed here: its files are only test files inside a run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run the compiled CLI: build it first when the sources are newer.
    globalSetup: ['test/setup/build.ts'],
    // Modules are loaded once per worker, not once per test file: each file loading its own copy of
    // the harness cost more CPU than many of them spend testing (import was 185 s of a 930 s run).
    // A helper module's per-test and per-file cleanup therefore goes through test/hooks.ts, which
    // this setup file runs for every file; a file that mocks modules loads what it tests afresh.
    isolate: false,
    setupFiles: ['test/setup/hooks.ts', 'test/setup/cpu.ts'],
    // A larger young generation for the test workers: the lint fuzz and the document tests allocate
    // short-lived parse trees by the million, and with V8's default semi-space the scavenges took a
    // fifth of the fuzz's CPU (30.6 → 25.0 CPU seconds for 3,000 documents at 64 MB).
    execArgv: ['--max-semi-space-size=64'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most tests wait on a time-compressed device or a CLI child, not on the CPU, so four files run
    // at once on a 2-core rig (vitest's default there is one; two left a third of the CPU idle,
    // three about a sixth). A starved simulated device runs late by hours of its own time (one real
    // second is half a device day), and the judges must then say INCONCLUSIVE: the first runs at
    // three showed three places where a verdict was wrong under load, each fixed in the product,
    // and fresh clones at four (CPU 93-95 % busy) passed whole.
    maxWorkers: 4,
    sequence: { sequencer: LongFirstSequencer },
  },
})
