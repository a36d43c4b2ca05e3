/**
 * What would settle an open unit, read from its reason: the harness words every INCONCLUSIVE
 * with what it could not see, and the common causes have one remedy each a lab can act on.
 */
import type { UnitResult } from '../../core/verdict.ts'

interface Remedy {
  test: RegExp
  says: (m: RegExpExecArray, u: UnitResult) => string
}

const decisionFor = (u: UnitResult) => `${u.id}${u.target ? ` (target ${u.target})` : ''}`

const REMEDIES: readonly Remedy[] = [
  {
    test: /assessor review|no automatic check exists/,
    says: (_m, u) => `an assessor decision for ${decisionFor(u)} in decisions.yaml (ts701 decide walks the open ones)`,
  },
  {
    test: /operation (?:change-settings )?([a-z-]+(?: [a-z-]+)?) not declared in the DUT profile/,
    says: (m) => `declare the operation ${m[1]} in the DUT profile, if the device offers it`,
  },
  {
    test: /declares? no (restore|reboot|power-cycle|factory-reset|power-off|power-on)\b/,
    says: (m) => `declare the bench action ${m[1]} in the DUT profile`,
  },
  { test: /declare (bench [a-z-]+(?: and [a-z-]+)?)/, says: (m) => `declare ${m[1]} in the DUT profile` },
  { test: /(observe\.[a-zA-Z]+)/, says: (m) => `declare ${m[1]} in the DUT profile, so the run can see it` },
  { test: /raise observationSeconds/, says: () => 'a longer observation window (observationSeconds in the DUT profile)' },
  { test: /documents only|not run \(/, says: () => 'a run with the device (without --conceptual-only)' },
  { test: /could not be prepared/, says: () => 'the images the reason names, in the DUT profile (images)' },
  { test: /check the described way by hand|by hand/, says: () => 'a check by hand, recorded as an assessor decision' },
]

/** The remedy for an open unit, or a pointer to its reason when none of the common causes fits. */
export function settles(u: UnitResult): string {
  for (const r of REMEDIES) {
    const m = r.test.exec(u.reason)
    if (m) return r.says(m, u)
  }
  return 'what the reason names as missing; an assessor decision can settle it where the device cannot show it'
}
