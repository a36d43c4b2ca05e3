import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import { buildPlan } from '../../catalog/plan.ts'
import { unitResult } from '../../harness/evaluate.ts'
import { composeGroups } from '../../harness/results.ts'
import { loadExample } from '../helpers.ts'

const example = await loadExample()
const edition = loadEdition('en303645-v3.1.3')
/** Every unit that runs passes: what is left is the case's own verdict. */
const allPass = (kinds?: Array<'conceptual' | 'functional'>) =>
  composeGroups(buildPlan(edition, example, { groups: ['5.3-10'], ...(kinds && { kinds }) }), (p) =>
    unitResult(p, { verdict: 'PASS', reason: 'passed', source: 'rule' }),
  )[0]!

describe('a case some of whose units the run leaves out', () => {
  it('is INCONCLUSIVE, not PASS, naming the units not run (documents-only run of 5.3-10-1 without its functional units)', () => {
    const mixed = allPass(['conceptual']).cases.find((c) => c.id === '5.3-10-1')!
    expect(mixed.units.every((u) => u.verdict === 'PASS')).toBe(true)
    expect(mixed).toMatchObject({ verdict: 'INCONCLUSIVE', reason: '5.3-10-1c, 5.3-10-1d not run (this run tests the documents only)' })
  })

  it('passes when every unit ran', () => {
    expect(allPass().cases.find((c) => c.id === '5.3-10-1')).toMatchObject({ verdict: 'PASS' })
    expect(allPass().cases.find((c) => c.id === '5.3-10-1')!.reason).toBeUndefined()
  })
})
