// What ts701 adds to the standard's units (its own case 5.3-5-2, its unit 5.3-10-1d inside the
// standard case 5.3-10-1) is reported beside the normative verdicts and never changes them.
import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import { buildPlan } from '../../catalog/plan.ts'
import type { RunResults } from '../../core/verdict.ts'
import { unitResult } from '../../harness/evaluate.ts'
import { composeGroups } from '../../harness/results.ts'
import { renderSummary } from '../../reports/summary.ts'
import { loadExample } from '../helpers.ts'

const example = await loadExample()
const edition = loadEdition('en303645-v3.1.3')

/** The standard's units PASS; ts701's own FAIL. */
function composed(groups: string[]) {
  return composeGroups(buildPlan(edition, example, { groups }), (p) =>
    unitResult(
      p,
      p.unit.origin === 'ts701' || p.unit.id.startsWith('5.3-5-2')
        ? { verdict: 'FAIL', reason: 'ts701 corroboration failed', source: 'observed' }
        : { verdict: 'PASS', reason: 'passed', source: 'rule' },
    ),
  )
}

describe("ts701's additions", () => {
  it('are marked, keep their own verdicts, and leave the case and group verdicts to the standard units', () => {
    const [five, ten] = composed(['5.3-5', '5.3-10'])
    const added = five!.cases.find((c) => c.id === '5.3-5-2')!
    expect(added).toMatchObject({ origin: 'ts701', verdict: 'FAIL' })
    expect(added.units.every((u) => u.origin === 'ts701' && u.basis === undefined)).toBe(true)
    expect(five!.verdict).toBe('PASS')

    const standard = ten!.cases.find((c) => c.id === '5.3-10-1')!
    expect(standard.origin).toBeUndefined()
    expect(standard.units.filter((u) => u.id === '5.3-10-1d').map((u) => u.verdict)).toEqual(['FAIL', 'FAIL', 'FAIL'])
    expect(standard.verdict).toBe('PASS')
    expect(ten!.verdict).toBe('PASS')
    expect(standard.units.find((u) => u.id === '5.3-10-1a')).toMatchObject({ basis: 'reading' })
  })

  it('a FAIL of a standard unit still fails its case and group, additions or not', () => {
    const [five] = composeGroups(buildPlan(edition, example, { groups: ['5.3-5'] }), (p) =>
      unitResult(
        p,
        p.unit.id === '5.3-5-1a'
          ? { verdict: 'FAIL', reason: 'no check after boot', source: 'rule' }
          : { verdict: 'PASS', reason: 'ok', source: 'rule' },
      ),
    )
    expect(five!.verdict).toBe('FAIL')
  })

  it('show in the summary on a line of their own under their group, not in its counts', () => {
    const results = {
      standardTitle: edition.title,
      dut: 'reference',
      conceptualOnly: false,
      groups: composed(['5.3-5', '5.3-10']),
    } as unknown as RunResults
    const lines = renderSummary(results).split('\n')
    const at = lines.findIndex((l) => l.startsWith('5.3-5 '))
    // The group's counts are its standard units' alone: no FAIL among them.
    expect(lines[at]).toMatch(/^5\.3-5\s+PASS\s+\S+\s+2\s+0\s+0\s+0\s/)
    expect(lines[at + 1]).toMatch(/^\+ts701\s+FAIL\s+0\s+2\s+0\s+0\s+corroboration, not counted: 5\.3-5-2a, 5\.3-5-/)
    const ten = lines.findIndex((l) => l.startsWith('5.3-10 '))
    expect(lines[ten + 1]).toMatch(/\+ts701\s+FAIL\s+0\s+3\s+0\s+0\s+corroboration, not counted: 5\.3-10-1d$/)
  })
})
