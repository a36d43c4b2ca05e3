import { describe, expect, it } from 'vitest'
import type { Assessment, UpdMech } from '../../ixit/types.ts'
import { EDITIONS, evaluate, groupOf, loadExample, unitsOf, variant } from '../helpers.ts'

const example = await loadExample()
const V2 = EDITIONS[0]
const V3 = EDITIONS[1]

const mech = (a: Assessment, id = 'UpdMech-Network'): UpdMech => a.ixit['7-UpdMech'].find((m) => m.id === id)!
const allMechs = (change: (m: UpdMech) => void) => (a: Assessment) => a.ixit['7-UpdMech'].forEach(change)

interface Case {
  flaw: string
  unit: string
  target?: string
  standard?: string
  change: (a: Assessment) => void
  reason: RegExp
}

/**
 * Every mechanical rule, each proven both ways: the reference documents pass the unit and one
 * flaw planted in them makes the rule FAIL it.
 */
const cases: Case[] = [
  {
    flaw: 'no anti-rollback',
    unit: '5.3-2-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.antiRollback = false
    },
    reason: /older, vulnerable release/,
  },
  {
    flaw: 'verification by a host tool only',
    unit: '5.3-1-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.verifiedBy = 'host'
    },
    reason: /host tool/,
  },
  {
    flaw: 'checksum-only image',
    unit: '5.3-2-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
    },
    reason: /checksum/,
  },
  {
    flaw: 'verified after commit',
    unit: '5.3-2-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.verifiedBeforeInstall = false
    },
    reason: /after it is committed/,
  },
  {
    flaw: 'no update mechanism at all',
    unit: '5.3-2-1a',
    standard: V2,
    change: (a) => {
      a.ixit['7-UpdMech'] = []
      a.ixit['6-SoftComp'].forEach((c) => {
        c.updateMechanisms = []
      })
    },
    reason: /no secure update mechanism/,
  },
  {
    flaw: 'every mechanism needs the user',
    unit: '5.3-4A-1a',
    change: allMechs((m) => {
      m.facts.initiation = 'user'
      delete m.facts.automaticUpdates
    }),
    reason: /none of .* without user interaction/,
  },
  {
    flaw: 'every mechanism needs the user',
    unit: '5.3-4-1a',
    target: 'SoftComp-WebUI',
    standard: V2,
    change: allMechs((m) => {
      m.facts.initiation = 'user'
      delete m.facts.automaticUpdates
    }),
    reason: /none of UpdMech-Network/,
  },
  {
    flaw: 'configurable automation off by default',
    unit: '5.3-4-1b',
    target: 'SoftComp-Firmware',
    standard: V2,
    change: allMechs((m) => {
      if (m.facts.automaticUpdates) m.facts.automaticUpdates.enabledByDefault = false
    }),
    reason: /off by default/,
  },
  {
    flaw: 'consent not asked during initialization',
    unit: '5.3-4B-1a',
    change: (a) =>
      a.ixit['26-UserDec'].forEach((d) => {
        d.facts.duringInitialization = false
      }),
    reason: /not asked during initialization/,
  },
  {
    flaw: 'no user decision documented',
    unit: '5.3-4B-1a',
    change: (a) => {
      a.ixit['26-UserDec'] = []
    },
    reason: /no user decision about automatic updates/,
  },
  {
    flaw: 'automatic updates off after consent',
    unit: '5.3-4B-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.automaticUpdates!.enabledByDefault = false
      a.ixit['26-UserDec'][0]!.facts.enablesOnConsent = false
    },
    reason: /stay off even when the user consents during initialization/,
  },
  {
    flaw: 'consenting leaves automatic updates off',
    unit: '5.3-4B-1a',
    change: (a) => {
      a.ixit['26-UserDec'][0]!.facts.enablesOnConsent = false
    },
    reason: /consenting leaves them off/,
  },
  {
    flaw: 'no periodic check',
    unit: '5.3-5-1a',
    target: 'SoftComp-WebUI',
    standard: V2,
    change: (a) => {
      delete mech(a).facts.checking!.period
    },
    reason: /none of UpdMech-Network is checked/,
  },
  {
    flaw: 'no check after initialization',
    unit: '5.3-5-1a',
    target: 'SoftComp-WebUI',
    standard: V2,
    change: (a) => {
      mech(a).facts.checking!.afterInitialization = false
    },
    reason: /after initialization/,
  },
  {
    flaw: 'checking left to an associated service',
    unit: '5.3-5-1a',
    target: 'SoftComp-WebUI',
    standard: V2,
    change: (a) => {
      mech(a).facts.checking!.by = 'associated-service'
    },
    reason: /checked by dut/,
  },
  {
    flaw: 'automatic updates cannot be postponed',
    unit: '5.3-6A-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.automaticUpdates!.userCan = ['enable', 'disable']
    },
    reason: /cannot postpone automatic updates/,
  },
  {
    flaw: 'automatic updates the user cannot control at all',
    unit: '5.3-6-1b',
    target: 'UpdMech-Network',
    standard: V2,
    change: (a) => {
      mech(a).facts.automaticUpdates!.userCan = []
    },
    reason: /can neither enable nor disable nor postpone automatic updates/,
  },
  {
    flaw: 'automatic updates off initially',
    unit: '5.3-6-1c',
    target: 'UpdMech-Network',
    standard: V2,
    change: (a) => {
      mech(a).facts.automaticUpdates!.enabledByDefault = false
    },
    reason: /off in the initialized state/,
  },
  {
    flaw: 'notifications the user cannot control at all',
    unit: '5.3-6-1d',
    target: 'UpdMech-Network',
    standard: V2,
    change: (a) => {
      mech(a).facts.notifications!.userCan = []
    },
    reason: /can neither enable nor disable nor postpone update notifications/,
  },
  {
    flaw: 'notifications cannot be disabled',
    unit: '5.3-6B-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.notifications!.userCan = ['enable']
    },
    reason: /cannot disable update notifications/,
  },
  {
    flaw: 'notifications off initially',
    unit: '5.3-6-1e',
    target: 'UpdMech-Network',
    standard: V2,
    change: (a) => {
      mech(a).facts.notifications!.enabledByDefault = false
    },
    reason: /off in the initialized state/,
  },
  {
    flaw: 'authenticity not among the guarantees',
    unit: '5.3-7-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.guarantees = ['integrity']
    },
    reason: /do not include authenticity/,
  },
  {
    flaw: 'the device does not verify',
    unit: '5.3-7-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.verifiedBy = 'none'
    },
    reason: /nothing verifies the image, so no primitive gives/,
  },
  {
    flaw: 'a plain hash without authenticated channel',
    unit: '5.3-7-1b',
    target: 'UpdMech-LocalUpload',
    change: (a) => {
      mech(a, 'UpdMech-LocalUpload').facts.integrityProtection = 'hash'
    },
    reason: /gives no authenticity/,
  },
  {
    flaw: 'SHA-1 signatures',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.signature!.hash = 'SHA-1'
    },
    reason: /not best practice: hash SHA-1/,
  },
  {
    flaw: 'MD5 signatures',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.signature!.hash = 'MD5'
    },
    reason: /hash MD5/,
  },
  {
    flaw: 'RSA 1024',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.signature = { algorithm: 'RSA-PSS', keySize: 1024, hash: 'SHA-256' }
    },
    reason: /RSA-PSS 1024-bit/,
  },
  {
    flaw: 'a 192-bit curve',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.signature = { algorithm: 'ECDSA', keySize: 192, hash: 'SHA-256', curve: 'P-192' }
    },
    reason: /ECDSA 192-bit/,
  },
  {
    flaw: 'TLS 1.0 accepted',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.transport!.minTlsVersion = '1.0'
    },
    reason: /TLS 1\.0 minimum/,
  },
  {
    flaw: 'checksum-only network update',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
      delete mech(a).facts.signature
    },
    reason: /checksum" on a network-delivered update/,
  },
  {
    flaw: 'a checksum as the only protection',
    unit: '5.3-7-1d',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
    },
    reason: /feasible with basic means: the image is protected by a checksum anyone can recompute/,
  },
  {
    flaw: 'empty cryptographic details',
    unit: '5.3-7-1c',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).cryptographicDetails = '  '
    },
    reason: /"Cryptographic Details" is empty/,
  },
  {
    flaw: 'no update procedure',
    unit: '5.3-8-1a',
    change: (a) => {
      a.ixit['8-UpdProc'] = []
    },
    reason: /no security update procedure/,
  },
  {
    flaw: 'empty time frame',
    unit: '5.3-8-1a',
    target: 'UpdProc-1',
    change: (a) => {
      a.ixit['8-UpdProc'][0]!.timeFrame = ''
    },
    reason: /"Time Frame" is empty/,
  },
  {
    flaw: 'update procedures not confirmed',
    unit: '5.3-8-1b',
    change: (a) => {
      a.ixit['4-Conf'][0]!.confirmed = false
    },
    reason: /does not confirm/,
  },
  {
    flaw: 'no confirmation at all',
    unit: '5.3-8-1b',
    change: (a) => {
      a.ixit['4-Conf'] = []
    },
    reason: /no confirmation of the update procedures/,
  },
  {
    flaw: 'a checksum cannot show authenticity',
    unit: '5.3-9-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
    },
    reason: /does not establish authenticity/,
  },
  {
    flaw: 'a checksum cannot show integrity',
    unit: '5.3-9-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
    },
    reason: /does not establish integrity/,
  },
  {
    flaw: 'authenticity checked by a host tool',
    unit: '5.3-9-1c',
    target: 'UpdMech-LocalUpload',
    change: (a) => {
      mech(a, 'UpdMech-LocalUpload').facts.verifiedBy = 'host'
    },
    reason: /not by the device/,
  },
  {
    flaw: 'integrity checked by a host tool',
    unit: '5.3-9-1d',
    target: 'UpdMech-LocalUpload',
    change: (a) => {
      mech(a, 'UpdMech-LocalUpload').facts.verifiedBy = 'host'
    },
    reason: /not by the device/,
  },
  {
    flaw: 'checked only after install',
    unit: '5.3-9-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.verifiedBeforeInstall = false
    },
    reason: /only after the image is committed/,
  },
  {
    flaw: 'network update protected by a checksum',
    unit: '5.3-10-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
    },
    reason: /does not establish authenticity/,
  },
  {
    flaw: 'disruption announced only in the app (V1.1.1 asks for the device itself)',
    unit: '5.3-12-1a',
    target: 'UpdMech-Network',
    standard: V2,
    change: (a) => {
      mech(a).facts.disruptsBasicFunctioning = true
      mech(a).facts.notifications!.shownOn = ['app', 'email']
    },
    reason: /announced only by app, email, not on the device itself/,
  },
  {
    flaw: 'no trust relationship',
    unit: '5.3-10-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.integrityProtection = 'checksum'
      mech(a).facts.transport!.serverAuthenticated = false
      mech(a).facts.otherTrust = []
    },
    reason: /neither a verified signature or MAC nor an authenticated channel/,
  },
  {
    flaw: 'required security updates not announced',
    unit: '5.3-11-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.notifications!.kinds = ['available', 'disruption']
    },
    reason: /never told/,
  },
  {
    flaw: 'risks not named',
    unit: '5.3-11-1b',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.notifications!.kinds = ['available', 'security-required', 'disruption']
    },
    reason: /does not name the risks/,
  },
  {
    flaw: 'disruption not announced',
    unit: '5.3-12-1a',
    target: 'UpdMech-Network',
    change: (a) => {
      mech(a).facts.disruptsBasicFunctioning = true
      mech(a).facts.notifications!.kinds = ['available', 'security-required-with-risks']
    },
    reason: /without telling the user/,
  },
  {
    flaw: 'no support period publication',
    unit: '5.3-13-1a',
    change: (a) => {
      a.ixit['2-UserInfo'] = []
    },
    reason: /support period publication is not documented/,
  },
  {
    flaw: 'empty publication of non-updatable software',
    unit: '5.3-14-1a',
    target: 'UserInfo-1',
    change: (a) => {
      a.ixit['2-UserInfo'][0]!.publicationOfNonUpdatable = ''
    },
    reason: /"Publication of Non-Updatable" is empty/,
  },
  {
    flaw: 'no isolation method',
    unit: '5.3-15A-1a',
    change: (a) => {
      a.ixit['9-ReplSup'] = []
    },
    reason: /no isolation method/,
  },
  {
    flaw: 'no hardware replacement method',
    unit: '5.3-15B-1a',
    change: (a) => {
      a.ixit['9-ReplSup'] = []
    },
    reason: /no hardware replacement method/,
  },
  {
    flaw: 'designation only on a physical interface',
    unit: '5.3-16-1a',
    target: 'UserInfo-1',
    change: (a) => {
      a.ixit['2-UserInfo'][0]!.facts.designationMedia = ['physical-interface']
    },
    reason: /asks for label or user-interface/,
  },
  {
    flaw: 'designation only in the user interface',
    unit: '5.3-16-1a',
    target: 'UserInfo-1',
    standard: V2,
    change: (a) => {
      a.ixit['2-UserInfo'][0]!.facts.designationMedia = ['user-interface']
    },
    reason: /asks for label or physical-interface/,
  },
]

/** The unit's results for the case's target, or all of them when the flaw removes entries. */
function resultsOf(a: Assessment, c: Case) {
  const results = unitsOf(evaluate(a, c.standard ?? V3), c.unit).filter((u) => c.target === undefined || u.target === c.target)
  expect(results.length, `${c.unit} [${c.target}]`).toBeGreaterThan(0)
  return results
}

describe('mechanical rules', () => {
  it.each(cases.map((c) => [`${c.unit}${c.target ? ` [${c.target}]` : ''} (${c.standard ?? V3})`, c.flaw, c] as const))(
    '%s FAILs on "%s" and passes the reference documents',
    (_name, _flaw, c) => {
      expect(resultsOf(example, c).map((u) => u.verdict)).toEqual(expect.arrayContaining(['PASS']))
      expect(resultsOf(example, c).filter((u) => u.verdict !== 'PASS')).toEqual([])
      const flawed = resultsOf(variant(example, c.change), c)
      expect(flawed).toContainEqual(expect.objectContaining({ verdict: 'FAIL', source: 'rule', reason: expect.stringMatching(c.reason) }))
    },
  )
})

describe('verdicts the rules leave to people', () => {
  it('rates legacy parameters as a matter for the assessor, quoting the IXIT', () => {
    const a = variant(example, (copy) => {
      mech(copy).facts.signature = { algorithm: 'RSA-PKCS1-v1_5', keySize: 2048, hash: 'SHA-256' }
      // The example's support end (2031) is past every catalogue for 2048 bits (a FAIL, see crypto-lifetime.test.ts).
      copy.ixit['2-UserInfo'].forEach((u) => (u.facts.supportEnds = '2029-12-31'))
    })
    const [u] = unitsOf(evaluate(a), '5.3-7-1c').filter((r) => r.target === 'UpdMech-Network')
    expect(u).toMatchObject({ verdict: 'INCONCLUSIVE', source: 'rule' })
    expect(u!.reason).toMatch(/^assessor review: legacy parameters.*RSA-PKCS1-v1_5 2048-bit.*Cryptographic Details: "Image signature/)
  })

  it('keeps 5.3-7 to the cryptography: design weaknesses FAIL the misuse and verification units instead', () => {
    const unit = (a: typeof example, id: string) => unitsOf(evaluate(a), id).find((r) => r.target === 'UpdMech-Network')!
    // Without the example's assessor decisions, which would settle the review.
    const noRollback = variant(example, (copy) => {
      copy.decisions = []
      mech(copy).facts.antiRollback = false
    })
    expect(unit(noRollback, '5.3-2-1a').verdict).toBe('FAIL')
    expect(unit(noRollback, '5.3-7-1d')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^assessor review: .*judged under 5\.3-2-1 and 5\.3-9-1, not here: no anti-rollback/),
    })
    const hostOnly = variant(example, (copy) => {
      copy.decisions = []
      mech(copy).facts.verifiedBy = 'host'
    })
    expect(unit(hostOnly, '5.3-9-1c').verdict).toBe('FAIL')
    expect(unit(hostOnly, '5.3-7-1b')).toMatchObject({ verdict: 'PASS', reason: expect.stringMatching(/a host tool verifies a signature/) })
    expect(unit(hostOnly, '5.3-7-1d').verdict).toBe('INCONCLUSIVE')
  })

  it('V2.1.1 5.3-6: one of enable, disable, postpone suffices, as its test units list them as alternatives', () => {
    const a = variant(example, (copy) => {
      mech(copy).facts.automaticUpdates!.userCan = ['disable']
    })
    const u = unitsOf(evaluate(a, V2), '5.3-6-1b').find((r) => r.target === 'UpdMech-Network')
    expect(u).toMatchObject({
      verdict: 'PASS',
      reason:
        'UpdMech-Network: the user can disable automatic updates (not enable or postpone: one of enable, disable, postpone suffices in this edition)',
    })
  })

  it('5.3-12-1a: an empty notification field is no FAIL for a device that is never disrupted, but is for one that is', () => {
    const judged = (disrupts: boolean) =>
      unitsOf(
        evaluate(
          variant(example, (copy) => {
            mech(copy).userNotification = ''
            delete mech(copy).facts.notifications
            mech(copy).facts.disruptsBasicFunctioning = disrupts
          }),
        ),
        '5.3-12-1a',
      ).find((r) => r.target === 'UpdMech-Network')
    expect(judged(false)).toMatchObject({ verdict: 'PASS', reason: 'UpdMech-Network: updating does not disrupt basic functioning' })
    expect(judged(true)).toMatchObject({
      verdict: 'FAIL',
      reason: 'UpdMech-Network: updating disrupts basic functioning, and the IXIT describes no notification of it',
    })
  })

  it('5.3-9-1a asks for the target too: a verified source that names no device is not enough', () => {
    const bound = (value?: boolean) =>
      variant(example, (a) => {
        if (value === undefined) delete mech(a).facts.targetBound
        else mech(a).facts.targetBound = value
      })
    const unit = (a: Assessment) => unitsOf(evaluate(a), '5.3-9-1a').find((r) => r.target === 'UpdMech-Network')!
    expect(unit(bound(true))).toMatchObject({ verdict: 'PASS', reason: expect.stringMatching(/names the target device$/) })
    // The old rule passed both of these.
    expect(unit(bound(false))).toMatchObject({ verdict: 'FAIL', reason: expect.stringMatching(/nothing authenticated names the device/) })
    expect(unit(bound())).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^assessor review: does the authenticated data name the device/),
    })
  })

  it('5.3-9-1b and 5.3-10-1a count a bare hash as integrity only over an authenticated channel', () => {
    const hashed = (authenticated: boolean | undefined) =>
      variant(example, (a) => {
        const m = mech(a)
        m.facts.integrityProtection = 'hash'
        if (authenticated === undefined) delete m.facts.transport
        else m.facts.transport!.serverAuthenticated = authenticated
      })
    const verdicts = (a: Assessment) =>
      ['5.3-9-1b', '5.3-10-1a'].map((id) => unitsOf(evaluate(a), id).find((r) => r.target === 'UpdMech-Network')!.verdict)
    // The old rules passed an unkeyed hash over an unauthenticated channel.
    expect(verdicts(hashed(false))).toEqual(['FAIL', 'FAIL'])
    expect(unitsOf(evaluate(hashed(false)), '5.3-9-1b')[0]!.reason).toMatch(/only over an authenticated channel/)
    // Unstated transport: integrity is a question; 5.3-10-1a also needs authenticity, which no hash gives.
    expect(verdicts(hashed(undefined))).toEqual(['INCONCLUSIVE', 'FAIL'])
    // Over TLS with the server authenticated the hash stands for integrity (authenticity still needs a key).
    expect(verdicts(hashed(true))[0]).toBe('PASS')
  })

  it('5.3-12-1a: where the notice shows is asked under V1.1.1 only; unstated, it is a question', () => {
    const appOnly = variant(example, (a) => {
      mech(a).facts.disruptsBasicFunctioning = true
      mech(a).facts.notifications!.shownOn = ['app']
    })
    const unstated = variant(example, (a) => {
      mech(a).facts.disruptsBasicFunctioning = true
      delete mech(a).facts.notifications!.shownOn
    })
    const unit = (a: Assessment, standard: string) =>
      unitsOf(evaluate(a, standard), '5.3-12-1a').find((r) => r.target === 'UpdMech-Network')!.verdict
    // The old rule passed the app-only notice under V2.1.1.
    expect(unit(appOnly, V2)).toBe('FAIL')
    expect(unit(appOnly, V3)).toBe('PASS')
    expect(unit(unstated, V2)).toBe('INCONCLUSIVE')
    expect(unit(unstated, V3)).toBe('PASS')
  })

  it('V3.1.3 5.3-5-1a asks for a check after initialization only: no periodic check is no FAIL there', () => {
    const once = variant(example, (a) => {
      delete mech(a).facts.checking!.period
    })
    const verdict = (standard: string) => unitsOf(evaluate(once, standard), '5.3-5-1a').find((r) => r.target === 'SoftComp-WebUI')!.verdict
    // The old rule failed this device under V3.1.3 too.
    expect(verdict(V3)).toBe('PASS')
    expect(verdict(V2)).toBe('FAIL')
  })

  it('V3.1.3 5.3-4B sees automatic updates that are a setting switched off, not only those a mechanism initiates', () => {
    const offByDefault = variant(example, (a) => {
      const m = mech(a)
      m.facts.initiation = 'user'
      m.facts.automaticUpdates = { enabledByDefault: false, userCan: ['enable'] }
      a.ixit['26-UserDec'][0]!.facts.duringInitialization = false
    })
    const group = evaluate(offByDefault, V3, ['5.3-4B'])[0]!
    // The old selector and feature h looked at initiation alone: the group was NOT APPLICABLE.
    expect(group.verdict).toBe('FAIL')
    const units = group.cases.flatMap((c) => c.units).filter((u) => u.target === 'UpdMech-Network' && u.verdict === 'FAIL')
    expect(units.map((u) => u.id)).toContain('5.3-4B-1b')
  })

  it('V3.1.3 5.3-4B: a device that keeps automatic updates off until the user consents during initialization passes', () => {
    const waits = (enables: boolean | undefined) =>
      variant(example, (a) => {
        mech(a).facts.automaticUpdates!.enabledByDefault = false
        const asked = a.ixit['26-UserDec'][0]!
        if (enables === undefined) delete asked.facts.enablesOnConsent
        else asked.facts.enablesOnConsent = enables
      })
    const unit = (a: Assessment, id: string) =>
      unitsOf(evaluate(a, V3), id).find((r) => r.target === undefined || r.target === 'UpdMech-Network')!
    // The old rule judged "on after a factory reset" and failed this device.
    expect(unit(waits(true), '5.3-4B-1b')).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(/off until the user consents during initialization \(UserDec-AutoUpdates\), which turns them on/),
    })
    expect(unit(waits(true), '5.3-4B-1a').verdict).toBe('PASS')
    // Silent on what consent does: the assessor reads the options.
    expect(unit(waits(undefined), '5.3-4B-1b')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(
        /^assessor review: does consenting during initialization \(UserDec-AutoUpdates\) turn automatic updates of UpdMech-Network on\?/,
      ),
    })
    expect(unit(waits(false), '5.3-4B-1b').verdict).toBe('FAIL')
  })

  it('5.3-10-1b: a trust relationship besides signatures and channels goes to the assessor, not FAIL', () => {
    const bare = (other?: Array<'secret-protected-network' | 'user-confirmation' | 'trusted-hub' | 'comparable'>) =>
      variant(example, (a) => {
        const m = mech(a)
        m.facts.integrityProtection = 'checksum'
        m.facts.transport!.serverAuthenticated = false
        if (other) m.facts.otherTrust = other
        else delete m.facts.otherTrust
      })
    const unit = (a: Assessment) => unitsOf(evaluate(a), '5.3-10-1b').find((r) => r.target === 'UpdMech-Network')!
    // A network that takes a secret to join: the old rule failed this device.
    expect(unit(bare(['secret-protected-network']))).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^assessor review: does a network that takes a secret to join establish a valid trust relationship/),
    })
    // Silent on other trust: a question, not a FAIL; stated as none: FAIL.
    expect(unit(bare())).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^assessor review: which trust relationship/),
    })
    expect(unit(bare([]))).toMatchObject({ verdict: 'FAIL' })
  })

  it('asks the assessor where the facts are silent, instead of passing', () => {
    const a = variant(
      example,
      allMechs((m) => {
        m.facts = {}
      }),
    )
    const units = ['5.3-2-1a', '5.3-7-1a', '5.3-7-1b', '5.3-7-1c', '5.3-9-1c', '5.3-10-1b', '5.3-11-1b', '5.3-12-1a', '5.3-6A-1b']
    for (const id of units) {
      const results = unitsOf(evaluate(a), id)
      expect(results.length, id).toBeGreaterThan(0)
      for (const r of results) {
        expect(r.verdict, `${id} [${r.target}]`).toBe('INCONCLUSIVE')
        expect(r.reason, id).toMatch(/^assessor review: /)
      }
    }
  })

  it('passes absent features vacuously, naming what is absent', () => {
    const a = variant(
      example,
      allMechs((m) => {
        m.facts.initiation = 'user'
        delete m.facts.automaticUpdates
      }),
    )
    const [u] = unitsOf(evaluate(a, V2), '5.3-6-1b')
    expect(u).toMatchObject({ verdict: 'PASS', reason: 'nothing to check: no 7-UpdMech entry updates automatically' })
    expect(u!.target).toBeUndefined()
  })

  it('V3.1.3 5.3-4A-1a asks for one automatic mechanism of the device, not one per component', () => {
    // A component updated only by hand beside one updated automatically: the old per-component rule failed it.
    const a = variant(example, (copy) => {
      copy.ixit['6-SoftComp'].find((c) => c.id === 'SoftComp-WebUI')!.updateMechanisms = ['UpdMech-LocalUpload']
    })
    const units = unitsOf(evaluate(a), '5.3-4A-1a')
    expect(units.map((u) => [u.target, u.verdict])).toEqual([[undefined, 'PASS']])
    expect(units[0]!.reason).toMatch(/UpdMech-Network/)
  })
})

describe('aggregation over mechanisms', () => {
  it('passes 5.3-2-1 while one mechanism resists misuse, and fails it when none does', () => {
    const one = variant(example, (a) => {
      mech(a).facts.antiRollback = false
    })
    expect(groupOf(evaluate(one), '5.3-2').cases[0]!.verdict).toBe('PASS')
    const none = variant(
      example,
      allMechs((m) => {
        m.facts.antiRollback = false
      }),
    )
    expect(groupOf(evaluate(none), '5.3-2').verdict).toBe('FAIL')
  })

  it('fails 5.3-7 when any one mechanism fails, whatever the others do', () => {
    const a = variant(example, (copy) => {
      mech(copy, 'UpdMech-LocalUpload').facts.signature!.hash = 'SHA-1'
    })
    const group = groupOf(evaluate(a), '5.3-7')
    expect(group.verdict).toBe('FAIL')
    expect(group.cases[0]!.units.filter((u) => u.verdict === 'FAIL').map((u) => u.target)).toEqual(['UpdMech-LocalUpload'])
  })
})
