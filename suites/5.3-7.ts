// Test group 5.3-7: best-practice cryptography secures the update mechanism.
import { fail, pass, review, type Rule } from '../harness/rule.ts'
import type { Assessment, UpdMech } from '../ixit/types.ts'
import { registerGroup } from '../harness/vitest-group.ts'
import { groupOf } from './lib/group.ts'
import { cryptoThresholds, rateCrypto } from './lib/crypto.ts'
import { each, missingFrom } from './lib/each.ts'
import { cryptoWeaknesses, designWeaknesses } from './lib/mechanisms.ts'

const REQUIRED_GUARANTEES = ['integrity', 'authenticity'] as const

/** The latest support end any 2-UserInfo entry states: the crypto must hold for the longest-supported model. */
function supportEnds(a: Assessment): string | undefined {
  const stated = a.ixit['2-UserInfo'].flatMap((u) => (u.facts.supportEnds ? [u.facts.supportEnds] : []))
  return stated.sort().at(-1)
}

export const rules: Rule[] = [
  {
    name: 'guarantees-include-integrity-and-authenticity',
    decides: ['5.3-7-1a'],
    decide: each<UpdMech>((m) => {
      const claimed = m.facts.guarantees
      if (!claimed) return review('do the security guarantees include integrity and authenticity?', m, ['securityGuarantees'])
      const missing = missingFrom(REQUIRED_GUARANTEES, claimed)
      if (missing.length) return fail(`${m.id}: the security guarantees do not include ${missing.join(' or ')}`)
      return pass(`${m.id} guarantees ${claimed.join(', ')}`)
    }),
  },
  {
    name: 'mechanism-achieves-guarantees',
    decides: ['5.3-7-1b'],
    decide: each<UpdMech>((m) => {
      const f = m.facts
      if (f.integrityProtection === undefined || f.verifiedBy === undefined) {
        return review('does the described mechanism achieve integrity and authenticity?', m, ['description', 'cryptographicDetails'])
      }
      // Who verifies is 5.3-9-1c/d's question; here only whether a primitive gives the guarantees.
      if (f.verifiedBy === 'none') return fail(`${m.id}: nothing verifies the image, so no primitive gives integrity or authenticity`)
      const by = f.verifiedBy === 'host' ? 'a host tool verifies' : 'the device verifies'
      if (f.integrityProtection === 'signature' || f.integrityProtection === 'mac') {
        return pass(`${m.id}: ${by} a ${f.integrityProtection}, giving integrity and authenticity`)
      }
      if (f.integrityProtection === 'hash' && f.transport?.serverAuthenticated) {
        return review(`a hash fetched over an authenticated ${f.transport.protocol} channel: does the channel give authenticity?`, m, [
          'description',
          'cryptographicDetails',
        ])
      }
      return fail(`${m.id}: a ${f.integrityProtection === 'none' ? 'missing protection' : f.integrityProtection} gives no authenticity`)
    }),
  },
  {
    name: 'crypto-is-best-practice',
    decides: ['5.3-7-1c'],
    decide: each<UpdMech>((m, input) => {
      const { items, worst } = rateCrypto(m, supportEnds(input.assessment))
      const table = `crypto thresholds ${cryptoThresholds().version}`
      if (!worst)
        return review(`are the primitives and parameters best practice? The IXIT facts name none (${table})`, m, ['cryptographicDetails'])
      const list = (rating: string) =>
        items
          .filter((i) => i.rating === rating)
          .map((i) => (i.lifetime ? `${i.what} (${i.lifetime})` : i.what))
          .join(', ')
      if (worst === 'deprecated') return fail(`${m.id}: not best practice: ${list('deprecated')} (${table})`)
      if (worst === 'legacy') {
        return review(`legacy parameters, acceptable only for a short device lifetime: ${list('legacy')} (${table})`, m, [
          'cryptographicDetails',
        ])
      }
      return pass(`${m.id}: ${items.map((i) => i.what).join(', ')} are best practice (${table})`)
    }),
  },
  {
    name: 'no-feasible-basic-attack',
    decides: ['5.3-7-1d'],
    decide: each<UpdMech>((m) => {
      const weaknesses = cryptoWeaknesses(m)
      if (weaknesses.length) return fail(`${m.id}: feasible with basic means: ${weaknesses.join('; ')}`)
      // Other design weaknesses FAIL the misuse and verification units; they are no cryptographic finding.
      const elsewhere = designWeaknesses(m).filter((w) => !weaknesses.includes(w))
      const note = elsewhere.length ? ` (judged under 5.3-2-1 and 5.3-9-1, not here: ${elsewhere.join('; ')})` : ''
      return review(
        `is any attack on the cryptography feasible at basic attack potential? No known weakness of it is documented${note}`,
        m,
        ['description', 'cryptographicDetails'],
      )
    }),
  },
]

if (import.meta.vitest) registerGroup(import.meta.vitest, groupOf(import.meta.url), { rules })
