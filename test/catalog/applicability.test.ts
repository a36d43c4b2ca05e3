import { describe, expect, it } from 'vitest'
import { buildPlan } from '../../catalog/plan.ts'
import { loadEdition } from '../../catalog/editions.ts'
import { checkAgainstCatalog } from '../../catalog/check.ts'
import { select } from '../../catalog/select.ts'
import type { FactName } from '../../catalog/types.ts'
import type { Assessment, Finding } from '../../ixit/types.ts'
import { EDITIONS, loadExample, variant } from '../helpers.ts'

const example = await loadExample()

/** How a supplier's documents look when a condition of the catalog does not hold. */
const ABSENT: Record<FactName, (a: Assessment) => void> = {
  hasUpdateMechanism: (a) => {
    a.ixit['7-UpdMech'] = []
    for (const c of a.ixit['6-SoftComp']) c.updateMechanisms = []
  },
  hasNotUpdatableComponent: (a) => {
    for (const c of a.ixit['6-SoftComp']) if (c.updateMechanisms.length === 0) c.updateMechanisms = [a.ixit['7-UpdMech'][0]!.id]
  },
  hasNotUpdatableComponentBesidesImmutable: (a) => ABSENT.hasNotUpdatableComponent(a),
  hasMutableComponent: (a) => {
    for (const c of a.ixit['6-SoftComp']) c.facts.immutable = true
  },
  constrained: (a) => {
    a.ics.constrained = false
  },
  notConstrained: (a) => {
    a.ics.constrained = true
  },
  hasNetworkDelivery: (a) => {
    for (const m of a.ixit['7-UpdMech']) m.facts.delivery = 'local'
  },
  hasAutomaticUpdates: (a) => {
    // Automatic updates that are a setting count even when off: absent means neither.
    for (const m of a.ixit['7-UpdMech']) {
      m.facts.initiation = 'user'
      delete m.facts.automaticUpdates
    }
  },
  hasUpdateNotifications: (a) => {
    for (const m of a.ixit['7-UpdMech']) m.facts.notifications = { enabledByDefault: false, userCan: [], kinds: [] }
  },
  hasAutomaticUpdatesOrNotifications: (a) => {
    ABSENT.hasAutomaticUpdates(a)
    ABSENT.hasUpdateNotifications(a)
  },
}

/** The opposite, for conditions the example does not meet (V2.1.1's constrained-device provisions). */
const PRESENT: Partial<Record<FactName, (a: Assessment) => void>> = {
  constrained: (a) => {
    a.ics.constrained = true
  },
}

function applicabilityOf(a: Assessment, standard: string, group: string) {
  const findings: Finding[] = []
  const plan = buildPlan(loadEdition(standard), a, { groups: [group] })
  findings.push(...plan.findings)
  return { ...plan.groups[0]!.applicability, findings }
}

describe.each(EDITIONS)('applicability under %s', (standard) => {
  const edition = loadEdition(standard)
  const conditional = edition.groups.filter((g) => g.requires.length > 0)

  it.each(conditional.map((g) => [g.id, g] as const))('%s applies when its conditions hold', (id, g) => {
    const a = variant(example, (copy) => {
      for (const c of g.requires) PRESENT[edition.conditions[c]!.fact!]?.(copy)
    })
    expect(applicabilityOf(a, standard, id).applicable).toBe(true)
  })

  for (const g of conditional) {
    for (const c of g.requires) {
      const def = edition.conditions[c]!
      it(`${g.id} is NOT APPLICABLE when ${def.kind} ${c} is absent, citing it and the ICS rationale`, () => {
        const rationale = `rationale for ${g.id} without ${c}`
        const a = variant(example, (copy) => {
          for (const other of g.requires) PRESENT[edition.conditions[other]!.fact!]?.(copy)
          ABSENT[def.fact!](copy)
          copy.ics.provisions[g.id] = { ...copy.ics.provisions[g.id]!, support: 'N/A', detail: rationale }
        })
        const result = applicabilityOf(a, standard, g.id)
        expect(result.applicable).toBe(false)
        expect(result.reason).toContain(def.text)
        expect(result.reason).toContain(rationale)
        expect(result.findings).toEqual([])
      })
    }
  }
})

describe('cross-checking the ICS against the IXIT', () => {
  it('reports an ICS that calls 5.3-10 not applicable while IXIT 7 delivers over the network, and tests it', () => {
    const a = variant(example, (copy) => {
      copy.ics.provisions['5.3-10'] = { ...copy.ics.provisions['5.3-10']!, support: 'N/A', detail: 'no network updates' }
    })
    const result = applicabilityOf(a, 'en303645-v3.1.3', '5.3-10')
    expect(result.applicable).toBe(true)
    expect(result.findings).toHaveLength(1)
    expect(result.findings[0]).toMatchObject({ severity: 'warning', code: 'ics-contradiction', file: a.ics.file })
    expect(result.findings[0]!.message).toMatch(/5\.3-10.*not applicable.*updates can be delivered over a network interface/)
  })

  it('reports an ICS that supports 5.3-14 although every component is updatable', () => {
    const a = variant(example, (copy) => {
      ABSENT.hasNotUpdatableComponent(copy)
      copy.ics.provisions['5.3-14'] = { ...copy.ics.provisions['5.3-14']!, support: 'Y' }
    })
    const result = applicabilityOf(a, 'en303645-v3.1.3', '5.3-14')
    expect(result.applicable).toBe(false)
    expect(result.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/ICS answers 5\.3-14 with Y.*some software components cannot be updated.*does not hold/),
    ])
  })

  it('V3.1.3 condition 3: a component immutable for security reasons alone leaves it to the ICS, and the reason says so', () => {
    // The reference device's only component without an update mechanism is its boot ROM, immutable on purpose.
    const answered = (support: 'Y' | 'N/A') =>
      variant(example, (copy) => {
        copy.ics.provisions['5.3-14'] = { ...copy.ics.provisions['5.3-14']!, support, detail: 'the ROM is the only fixed part' }
      })
    // The old fact counted the ROM: 5.3-14 applied against the ICS's N/A, with a contradiction warning.
    const absent = applicabilityOf(answered('N/A'), 'en303645-v3.1.3', '5.3-14')
    expect(absent).toMatchObject({ applicable: false, findings: [] })
    expect(absent.reason).toMatch(
      /^the ICS declares condition 3 \(some software components cannot be updated\) absent .*; reading applied to condition 3: a component immutable for security reasons .* the ICS decides; ICS 5\.3-14: N\/A/,
    )
    const present = applicabilityOf(answered('Y'), 'en303645-v3.1.3', '5.3-14')
    expect(present.applicable).toBe(true)
    expect(present.reason).toMatch(/reading applied to condition 3/)
    // A component that is neither updatable nor immutable decides it, whatever the ICS says.
    const mutable = variant(answered('N/A'), (copy) => {
      copy.ixit['6-SoftComp'].find((c) => c.id === 'SoftComp-BootROM')!.facts.immutable = false
    })
    expect(applicabilityOf(mutable, 'en303645-v3.1.3', '5.3-14')).toMatchObject({
      applicable: true,
      findings: [expect.objectContaining({ code: 'ics-contradiction' })],
    })
    // V2.1.1 knows no such exemption: the ROM makes condition 3 hold there.
    expect(applicabilityOf(answered('N/A'), 'en303645-v2.1.1', '5.3-14').reason).not.toMatch(/reading applied/)
  })

  it('follows the ICS where the IXIT is silent', () => {
    const silent = (support: 'Y' | 'N/A') =>
      variant(example, (copy) => {
        for (const m of copy.ixit['7-UpdMech']) delete m.facts.delivery
        copy.ics.provisions['5.3-10'] = { ...copy.ics.provisions['5.3-10']!, support, detail: 'the supplier says so' }
      })
    const absent = applicabilityOf(silent('N/A'), 'en303645-v3.1.3', '5.3-10')
    expect(absent.applicable).toBe(false)
    expect(absent.reason).toMatch(/ICS declares .*absent.*the supplier says so/)
    expect(applicabilityOf(silent('Y'), 'en303645-v3.1.3', '5.3-10').applicable).toBe(true)
  })

  it('treats unconditional provisions as applying to every device', () => {
    for (const standard of EDITIONS) {
      for (const id of ['5.3-13', '5.3-16']) expect(applicabilityOf(example, standard, id).applicable).toBe(true)
    }
  })
})

describe('selectors', () => {
  it('with-notifications: a mechanism whose only notice is the disruption does not notify about updates', async () => {
    const a = await loadExample()
    const only = (kinds: Array<'available' | 'disruption'>) =>
      variant(a, (copy) => {
        for (const m of copy.ixit['7-UpdMech']) m.facts.notifications = { enabledByDefault: true, userCan: ['disable'], kinds }
      })
    expect(select({ table: '7-UpdMech', where: 'with-notifications' }, only(['disruption'])).entries).toEqual([])
    expect(select({ table: '7-UpdMech', where: 'with-notifications' }, only(['available', 'disruption'])).entries.length).toBeGreaterThan(0)
  })
})

describe('ICS statuses', () => {
  const statusWarnings = async (status: string) => {
    const a = variant(await loadExample(), (copy) => {
      copy.ics.provisions['5.3-10']!.status = status
    })
    return checkAgainstCatalog(loadEdition('en303645-v2.1.1'), a).filter((f) => f.code === 'ics-status')
  }

  it('accept a status as the edition prints it in its own tables (V2.1.1 5.3-10: M (11, 12))', async () => {
    expect(await statusWarnings('M C(11,12)')).toEqual([])
    expect(await statusWarnings('M (11, 12)')).toEqual([])
  })

  it('warn about a status the edition does not give', async () => {
    expect(await statusWarnings('R C(12)')).toEqual([expect.objectContaining({ severity: 'warning', code: 'ics-status' })])
  })
})
