import { fail, inconclusive, pass, review, type Outcome } from '../../harness/rule.ts'
import type { Assessment, SoftComp, UpdMech } from '../../ixit/types.ts'

/** The 7-UpdMech entries a component refers to (references are checked when loading). */
export function mechanismsOf(comp: SoftComp, a: Assessment): UpdMech[] {
  return a.ixit['7-UpdMech'].filter((m) => comp.updateMechanisms.includes(m.id))
}

/**
 * Weaknesses of the cryptography itself: no authenticity or integrity primitive in effect. These
 * are 5.3-7's findings as well as misuse findings.
 */
export function cryptoWeaknesses(m: UpdMech): string[] {
  const f = m.facts
  const found: string[] = []
  if (f.verifiedBy === 'none') found.push('nothing verifies the image')
  if (f.integrityProtection === 'checksum' || f.integrityProtection === 'none') {
    found.push(`the image is protected by ${f.integrityProtection === 'none' ? 'nothing' : 'a checksum anyone can recompute'}`)
  }
  return found
}

/**
 * Design weaknesses that make a mechanism misusable whatever its primitives: each one alone lets
 * an attacker with basic means install code or an old version. Those beyond the cryptography
 * (who verifies, rollback, when) are misuse and verification findings (5.3-1-1, 5.3-2-1, 5.3-9-1),
 * not cryptographic ones (5.3-7).
 */
export function designWeaknesses(m: UpdMech): string[] {
  const f = m.facts
  const found = cryptoWeaknesses(m)
  if (f.verifiedBy === 'host') found.splice(0, 0, 'only a host tool verifies the image; the device installs what it is given')
  if (f.antiRollback === false) found.push('no anti-rollback: an older, vulnerable release installs')
  if (f.verifiedBeforeInstall === false) found.push('the image is verified only after it is committed')
  return found
}

/** Facts without which misuse resistance cannot be judged mechanically. */
export function unstatedDefences(m: UpdMech): string[] {
  const f = m.facts
  return [
    f.verifiedBy === undefined && 'who verifies the image',
    f.integrityProtection === undefined && 'how the image is protected',
    f.antiRollback === undefined && 'whether rollback is prevented',
  ].filter((s): s is string => typeof s === 'string')
}

/** The design prevents installing an older update and injecting code into a valid one. */
export function resistsMisuse(m: UpdMech): Outcome {
  const weaknesses = designWeaknesses(m)
  if (weaknesses.length) return fail(`${m.id} can be misused: ${weaknesses.join('; ')}`)
  const unstated = unstatedDefences(m)
  if (unstated.length) {
    return review(`does the design prevent downgrade and code injection? The IXIT facts do not state ${unstated.join(', ')}`, m, [
      'description',
      'securityGuarantees',
      'cryptographicDetails',
    ])
  }
  return pass(`${m.id}: ${m.facts.integrityProtection} verified by the device before install, with anti-rollback`)
}

const AUTHENTIC = ['signature', 'mac'] as const
const INTEGRAL = ['signature', 'mac', 'hash'] as const

type Property = 'authenticity' | 'integrity'

/**
 * Whether the image's authenticity or integrity is checked before installation, and optionally
 * whether the device itself does it. Stated facts decide; silence leaves it to the assessor.
 */
export function verifies(m: UpdMech, property: Property, byDevice: boolean): Outcome {
  const f = m.facts
  const accepted: readonly string[] = property === 'authenticity' ? AUTHENTIC : INTEGRAL
  if (f.integrityProtection === undefined || f.verifiedBy === undefined) {
    return review(`is ${property} verified before installation${byDevice ? ' by the device itself' : ''}?`, m, [
      'securityGuarantees',
      'cryptographicDetails',
    ])
  }
  if (!accepted.includes(f.integrityProtection)) {
    return fail(`${m.id}: ${f.integrityProtection} protection does not establish ${property}`)
  }
  // An unkeyed hash is replaced as easily as the image beside it; it protects only what an
  // authenticated channel delivers.
  if (f.integrityProtection === 'hash') {
    const channel = f.transport?.serverAuthenticated === true && f.transport.minTlsVersion !== undefined
    if (f.transport !== undefined && !channel) {
      return fail(`${m.id}: a bare hash establishes ${property} only over an authenticated channel, and the update arrives over none`)
    }
    if (f.transport === undefined) {
      return review(`does the hash arrive over an authenticated channel? Unkeyed, it establishes ${property} only then`, m, [
        'cryptographicDetails',
      ])
    }
  }
  if (f.verifiedBy === 'none') return fail(`${m.id}: nothing verifies ${property}`)
  if (byDevice && f.verifiedBy !== 'dut') return fail(`${m.id}: ${property} is verified by a host tool, not by the device`)
  if (f.verifiedBeforeInstall === false) return fail(`${m.id}: ${property} is checked only after the image is committed`)
  if (f.verifiedBeforeInstall === undefined) {
    return inconclusive(`${m.id}: the IXIT does not state whether verification happens before installation; assessor review`)
  }
  return pass(`${m.id}: ${f.integrityProtection} checked${f.verifiedBy === 'dut' ? ' by the device' : ''} before installation`)
}
