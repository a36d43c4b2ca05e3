// 5.3-4A-2a with nothing to exercise: when no 7-UpdMech entry updates automatically there is no
// mechanism to switch on and watch. A functional unit passes only on something observed, so the
// unit is INCONCLUSIVE naming the empty selection (5.3-4A-1a carries the finding), and NOT
// APPLICABLE only where the standard's condition (the device can be updated) is absent.
import { describe, expect, it } from 'vitest'
import { decideApplicability } from '../../../catalog/applicability.ts'
import { buildPlan } from '../../../catalog/plan.ts'
import { runFunctionalUnit, indexChecks } from '../../../harness/functional.ts'
import type { Assessment } from '../../../ixit/types.ts'
import { checks } from '../../../suites/5.3-4A.ts'
import { loadEdition } from '../../../catalog/editions.ts'
import { fakeSession, referenceAssessment, runUnit, V3 } from './fake-session.ts'

async function withMechanisms(change: (a: Assessment) => void): Promise<Assessment> {
  const a = structuredClone(await referenceAssessment())
  change(a)
  return a
}

/** Plans and runs 5.3-4A-2a the way a run does: applicability first, then the check. */
async function planned(a: Assessment) {
  const s = await fakeSession()
  const edition = loadEdition(V3)
  const plan = buildPlan(edition, a, { groups: ['5.3-4A'] })
  const group = plan.groups[0]!
  const units = group.cases.flatMap((c) => c.units).filter((u) => u.unit.id === '5.3-4A-2a')
  const applicability = decideApplicability(edition, group.def, a, [])
  const results = await Promise.all(
    units.map((p) => runFunctionalUnit(p, applicability, { assessment: a, edition, checks: indexChecks(checks), session: s })),
  )
  return { s, results }
}

describe('5.3-4A-2a with no automatic mechanism', () => {
  it('INCONCLUSIVE, not PASS, when the selection is empty; nothing is driven', async () => {
    const s = await fakeSession()
    const r = await runUnit(s, '5.3-4A-2a', { emptyReason: 'no 7-UpdMech entry updates automatically' })
    expect(r).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        'nothing to exercise: no 7-UpdMech entry updates automatically, so no mechanism could be set to update automatically and watched; 5.3-4A-1a judges whether one exists',
    })
    expect(s.dut.calls).toEqual([])
    expect(s.dut.received).toEqual([])
  })

  it('through the plan: every mechanism user-initiated, none with an automatic setting, gives INCONCLUSIVE, while the group applies', async () => {
    const a = await withMechanisms((x) => {
      for (const m of x.ixit['7-UpdMech']) {
        m.facts.initiation = 'user'
        delete m.facts.automaticUpdates
      }
    })
    const { results } = await planned(a)
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^nothing to exercise: no 7-UpdMech entry updates automatically, /),
    })
    expect(results[0]!.target).toBeUndefined()
  })

  it('through the plan: no update mechanism at all makes the unit NOT APPLICABLE (condition g absent)', async () => {
    const a = await withMechanisms((x) => {
      x.ixit['7-UpdMech'] = []
      for (const c of x.ixit['6-SoftComp']) c.updateMechanisms = []
    })
    const { results } = await planned(a)
    expect(results.map((r) => r.verdict)).toEqual(['NOT APPLICABLE'])
    expect(results[0]!.reason).toMatch(/feature g \(the device software can be updated\) does not hold/)
  })

  it('a mechanism to exercise still gives the observed verdict', async () => {
    const s = await fakeSession()
    expect(await runUnit(s, '5.3-4A-2a', { target: 'UpdMech-Network' })).toMatchObject({
      verdict: 'PASS',
      reason: 'with automatic updates enabled the DUT installed 1.1.0 by itself',
    })
  })
})
