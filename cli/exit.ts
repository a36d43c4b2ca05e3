import type { RunResults } from '../core/verdict.ts'

/** Exit codes are part of the interface: CI jobs branch on them. */
export const EXIT = {
  ok: 0,
  fail: 1,
  inconclusive: 2,
  /** Unusable input (documents, profile, command line), or a lab fault (harness/lab-fault.ts): no verdicts. */
  invalidInput: 3,
  /** A bug in ts701 itself, never a statement about the device. */
  internal: 4,
} as const

export function runExitCode(results: RunResults): number {
  const verdicts = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units.map((u) => u.verdict)))
  if (verdicts.includes('FAIL')) return EXIT.fail
  if (verdicts.includes('INCONCLUSIVE')) return EXIT.inconclusive
  return EXIT.ok
}
