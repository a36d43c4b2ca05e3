// Test group 5.3-10: updates delivered over a network are verified through a trust relationship.
import { fail, pass, review, type Outcome, type Rule } from '../harness/rule.ts'
import type { UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import type { FunctionalCheck } from '../harness/functional.ts'
import { each } from './lib/each.ts'
import { verifies } from './lib/mechanisms.ts'
import { perMechanism } from './lib/functional/check.ts'
import { impostorResult } from './lib/functional/impostor.ts'

/** Both halves of 5.3-9-1 a/b; the first that does not pass speaks for the unit. */
function authenticAndIntegral(m: UpdMech): Outcome {
  const results = [verifies(m, 'authenticity', false), verifies(m, 'integrity', false)]
  return (
    results.find((r) => r.verdict === 'FAIL') ??
    results.find((r) => r.verdict === 'INCONCLUSIVE') ??
    pass([...new Set(results.map((r) => r.reason))].join('; '))
  )
}

const OTHER_TRUST = {
  'secret-protected-network': 'a network that takes a secret to join',
  'user-confirmation': 'the user confirming the update',
  'trusted-hub': 'a trusted hub that checks a signature for the device',
  comparable: 'comparable secure functionality',
} as const

function trustRelationship(m: UpdMech): Outcome {
  const f = m.facts
  if (f.verifiedBy === 'dut' && f.integrityProtection === 'signature') {
    return pass(`${m.id}: a digital signature checked by the device against a trusted key`)
  }
  if (f.verifiedBy === 'dut' && f.integrityProtection === 'mac') {
    return pass(`${m.id}: a MAC keyed with a secret the device holds`)
  }
  if (f.transport?.serverAuthenticated && f.transport.minTlsVersion !== undefined) {
    return pass(`${m.id}: an authenticated ${f.transport.protocol} channel (TLS ${f.transport.minTlsVersion} minimum)`)
  }
  // The standard accepts trust relationships besides signatures and channels; whether one stated
  // here holds for this mechanism is for a person to judge, never a FAIL by the facts alone.
  const other = f.otherTrust
  if (other !== undefined && other.length > 0) {
    return review(`does ${other.map((t) => OTHER_TRUST[t]).join(' or ')} establish a valid trust relationship for the update?`, m, [
      'description',
      'securityGuarantees',
    ])
  }
  const known = f.integrityProtection !== undefined && f.verifiedBy !== undefined && f.transport !== undefined
  if (known && other !== undefined) {
    return fail(
      `${m.id}: neither a verified signature or MAC nor an authenticated channel establishes trust, and the IXIT states no other trust relationship`,
    )
  }
  return review(
    'which trust relationship (authenticated channel, signature, secret-protected network, user confirmation, a trusted hub, comparable functionality) does the mechanism rely on?',
    m,
    ['description', 'securityGuarantees'],
  )
}

export const rules: Rule[] = [
  { name: 'network-update-authentic-and-integral', decides: ['5.3-10-1a'], decide: each<UpdMech>(authenticAndIntegral) },
  { name: 'network-update-trust-relationship', decides: ['5.3-10-1b'], decide: each<UpdMech>(trustRelationship) },
]

export const checks: FunctionalCheck[] = [
  {
    name: 'impostor-server-refused',
    decides: ['5.3-10-1d'],
    run: perMechanism((s, m, { variant }) => impostorResult(s, m.id, variant ?? '')),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules, checks })
