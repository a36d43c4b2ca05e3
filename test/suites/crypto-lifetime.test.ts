// 5.3-7-1c reads 112-bit items against the device's support end (issue 15). Each document here
// was misjudged by the rule that ignored the lifetime, or pins behaviour that must not move.
import { describe, expect, it } from 'vitest'
import type { Assessment, UpdMech } from '../../ixit/types.ts'
import { cryptoThresholds } from '../../suites/lib/crypto.ts'
import { EDITIONS, evaluate, loadExample, unitsOf, variant } from '../helpers.ts'

const example = await loadExample()
const TABLE = `crypto thresholds ${cryptoThresholds().version}`

const network = (a: Assessment): UpdMech => a.ixit['7-UpdMech'].find((m) => m.id === 'UpdMech-Network')!

/** The reference documents with an RSA-2048 PSS signature and the support end given (or none). */
function rsa2048(supportEnds: string | undefined): Assessment {
  return variant(example, (copy) => {
    network(copy).facts.signature = { algorithm: 'RSA-PSS', keySize: 2048, hash: 'SHA-256' }
    for (const info of copy.ixit['2-UserInfo']) {
      if (supportEnds) info.facts.supportEnds = supportEnds
      else delete info.facts.supportEnds
    }
  })
}

function unit1c(a: Assessment, standard: string = EDITIONS[1]) {
  const [u] = unitsOf(evaluate(a, standard, ['5.3-7']), '5.3-7-1c').filter((r) => r.target === 'UpdMech-Network')
  expect(u, 'no 5.3-7-1c result for UpdMech-Network').toBeDefined()
  return u!
}

describe('5.3-7-1c: 112-bit items against the support end', () => {
  it.each(EDITIONS)('%s: RSA-2048 on a device supported until 2034 FAILs, naming every catalogue and its last year', (standard) => {
    const u = unit1c(rsa2048('2034-12-31'), standard)
    expect(u).toMatchObject({ verdict: 'FAIL', source: 'rule' })
    expect(u.reason).toContain('UpdMech-Network: not best practice: RSA-PSS 2048-bit (support ends 2034-12-31')
    expect(u.reason).toMatch(/NIST SP 800-57 Part 1 \(only through 2030\)/)
    expect(u.reason).toMatch(/BSI TR-02102-1 \(only through 2023\)/)
    expect(u.reason).toMatch(/ETSI TS 119 312 \(only through 2025\)/)
    expect(u.reason).toContain(TABLE)
  })

  it('RSA-2048 on a device supported until 2029 goes to the assessor: NIST still accepts it, BSI and ETSI do not', () => {
    const u = unit1c(rsa2048('2029-12-31'))
    expect(u).toMatchObject({ verdict: 'INCONCLUSIVE', source: 'rule' })
    expect(u.reason).toMatch(
      /^assessor review: legacy parameters.*RSA-PSS 2048-bit \(support ends 2029-12-31: accepted by NIST SP 800-57 Part 1 \(through 2030\); not by BSI TR-02102-1 \(only through 2023\), ETSI TS 119 312 \(only through 2025\)\)/,
    )
    expect(u.reason).toContain(TABLE)
  })

  it('the last year a catalogue accepts counts as accepted: support ending 2030-12-31 is still within NIST', () => {
    expect(unit1c(rsa2048('2030-12-31')).verdict).toBe('INCONCLUSIVE')
    expect(unit1c(rsa2048('2031-01-01')).verdict).toBe('FAIL')
  })

  it('without a stated support end RSA-2048 stays a review, saying the support end is missing', () => {
    const u = unit1c(rsa2048(undefined))
    expect(u).toMatchObject({ verdict: 'INCONCLUSIVE', source: 'rule' })
    expect(u.reason).toMatch(
      /^assessor review: legacy parameters.*RSA-PSS 2048-bit \(support end not stated in 2-UserInfo; accepted by NIST SP 800-57 Part 1 through 2030/,
    )
    expect(u.reason).toContain(TABLE)
  })

  it('the longest-supported model decides when 2-UserInfo states several support ends', () => {
    const a = variant(rsa2048('2029-12-31'), (copy) => {
      const second = structuredClone(copy.ixit['2-UserInfo'][0]!)
      second.id = 'UserInfo-Later'
      second.facts.supportEnds = '2034-06-30'
      copy.ixit['2-UserInfo'].push(second)
    })
    expect(unit1c(a).reason).toContain('support ends 2034-06-30')
    expect(unit1c(a).verdict).toBe('FAIL')
  })

  it('SHA-224 is read against the lifetime like an RSA-2048 key', () => {
    const a = variant(rsa2048('2034-12-31'), (copy) => {
      network(copy).facts.signature = { algorithm: 'ECDSA', keySize: 256, curve: 'P-256', hash: 'SHA-224' }
    })
    const u = unit1c(a)
    expect(u.verdict).toBe('FAIL')
    expect(u.reason).toMatch(/not best practice: hash SHA-224 \(support ends 2034-12-31/)
  })

  it('a scheme legacy by design stays a review at any lifetime once its key is long enough (RSA PKCS#1 v1.5, 3072 bits)', () => {
    const a = variant(rsa2048('2034-12-31'), (copy) => {
      network(copy).facts.signature = { algorithm: 'RSA-PKCS1-v1_5', keySize: 3072, hash: 'SHA-256' }
    })
    const u = unit1c(a)
    expect(u.verdict).toBe('INCONCLUSIVE')
    expect(u.reason).toMatch(/legacy parameters.*RSA-PKCS1-v1_5 3072-bit \(crypto thresholds/)
  })

  it.each(['2026-06-30', '2031-12-31', '2040-12-31', undefined])(
    'ECDSA P-256 with SHA-256 PASSes whatever the support end (%s)',
    (ends) => {
      const a = variant(example, (copy) => {
        for (const info of copy.ixit['2-UserInfo']) {
          if (ends) info.facts.supportEnds = ends
          else delete info.facts.supportEnds
        }
      })
      expect(network(a).facts.signature).toMatchObject({ algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256' })
      const u = unit1c(a)
      expect(u).toMatchObject({ verdict: 'PASS', source: 'rule' })
      expect(u.reason).toContain(TABLE)
      expect(u.reason).not.toMatch(/support end/)
    },
  )
})
