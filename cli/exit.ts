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
  // A failure the rig's baseline expects is known, not news: it does not fail the job.
  const open = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.baseline?.status !== 'known')
  const verdicts = open.map((u) => u.verdict)
  if (verdicts.includes('FAIL')) return EXIT.fail
  // Under --strict-baseline the job stays red until an entry whose units pass again is removed.
  if (results.baseline?.strict && results.baseline.stale.length > 0) return EXIT.fail
  if (verdicts.includes('INCONCLUSIVE')) return EXIT.inconclusive
  return EXIT.ok
}
