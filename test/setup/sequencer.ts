import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The long files first. vitest orders by the durations it cached, and without a cache (a fresh
 * clone, as in CI) by file size, which puts the matrix's three-line files last: the run then ends
 * on one worker waiting out the longest of them alone. The lint fuzz leads: it keeps one CPU busy
 * throughout, filling the gaps while the matrix's runs wait on their time-compressed devices
 * (a suite run had 78 CPU seconds idle this way against 106-119 with the fuzz after the matrix).
 * Then the other files that took longest (over 15 s) in a fresh clone, longest first: ordered by
 * size instead, the real agents, the browser and the packed-tarball test started near the end
 * and a fresh clone's suite took 35 s longer than one with vitest's cache.
 */
const LONG_FIRST = [
  'test/fuzz/',
  'test/matrix/jobs',
  'test/matrix/',
  'test/sim/modes/',
  'test/agents/swupdate',
  'test/reports/html-browser',
  'test/cli/package',
  'test/cli/misbehaving',
  'test/baseline/cli',
  'test/suites/functional/deliveries',
  'test/agents/rauc-console',
  'test/cli/out-folder',
  'test/fixtures/certs-ecdsa',
  'test/cli/channel-failures',
  'test/adapters/serial/deliver',
  'test/cli/run',
  'test/ci/gitlab',
  'test/suites/functional/impostor-stress',
  'test/cli/consent',
  'test/adapters/same-behaviour',
  'test/fixtures/swu',
  'test/perf/conceptual-budget',
]

const rank = (file: string): number => {
  const i = LONG_FIRST.findIndex((prefix) => file.startsWith(prefix))
  return i === -1 ? LONG_FIRST.length : i
}

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const root = this.ctx.config.root
    // Array.prototype.sort is stable: within a rank, vitest's own order stays.
    return sorted.sort((a, b) => rank(relative(root, a.moduleId)) - rank(relative(root, b.moduleId)))
  }
}
