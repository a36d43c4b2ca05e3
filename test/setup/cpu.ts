// With TS701_TEST_CPU=<file>, each test file appends what it cost to that file: the CPU seconds of
// its worker and of the processes it started and waited for (the CLI runs of the matrix), then its
// wall seconds and its path. Module loading, before the file's first hook, is not counted. This is
// how BENCHMARKS.md splits the suite's CPU by file; without the variable nothing happens.
import { appendFileSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'

const log = process.env.TS701_TEST_CPU

/** utime, stime, cutime, cstime of this process, in seconds (fields 14–17 of /proc/self/stat). */
function cpu(): number[] {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
  return [11, 12, 13, 14].map((i) => Number(fields[i]) / 100)
}

if (log) {
  let start: { cpu: number[]; at: number } | undefined
  beforeAll(() => {
    start = { cpu: cpu(), at: Date.now() }
  })
  afterAll(() => {
    if (!start) return
    const [ut, st, cut, cst] = cpu().map((v, i) => v - start!.cpu[i]!) as [number, number, number, number]
    const file = relative(process.cwd(), expect.getState().testPath ?? '?')
    appendFileSync(log, `${(ut + st).toFixed(2)} ${(cut + cst).toFixed(2)} ${((Date.now() - start.at) / 1000).toFixed(1)} ${file}\n`)
  })
}
