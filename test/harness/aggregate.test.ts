import { describe, expect, it } from 'vitest'
import { allOf, anyOf, caseVerdict } from '../../harness/aggregate.ts'
import type { UnitResult, Verdict } from '../../core/verdict.ts'

const unit = (verdict: Verdict, target?: string): UnitResult => ({
  id: '5.3-2-1a',
  target,
  verdict,
  reason: 'r',
  source: 'rule',
  reads: [],
})

describe('aggregating verdicts', () => {
  it('lets one FAIL fail a case where every unit must pass', () => {
    expect(allOf(['PASS', 'INCONCLUSIVE', 'FAIL'])).toBe('FAIL')
    expect(allOf(['PASS', 'INCONCLUSIVE'])).toBe('INCONCLUSIVE')
    expect(allOf(['PASS', 'NOT APPLICABLE'])).toBe('PASS')
    expect(allOf(['NOT APPLICABLE', 'NOT APPLICABLE'])).toBe('NOT APPLICABLE')
  })

  it('lets one passing alternative pass a case that needs only one', () => {
    expect(anyOf(['FAIL', 'PASS'])).toBe('PASS')
    expect(anyOf(['FAIL', 'INCONCLUSIVE'])).toBe('INCONCLUSIVE')
    expect(anyOf(['FAIL', 'FAIL'])).toBe('FAIL')
  })

  it('passes "at least one mechanism" cases when one target passes all its units', () => {
    const anyTarget = { aggregate: 'any-target' as const }
    expect(caseVerdict(anyTarget, [unit('FAIL', 'UpdMech-1'), unit('PASS', 'UpdMech-2')])).toBe('PASS')
    expect(caseVerdict(anyTarget, [unit('FAIL', 'UpdMech-1'), unit('FAIL', 'UpdMech-2')])).toBe('FAIL')
    expect(caseVerdict({ aggregate: 'all' }, [unit('FAIL', 'UpdMech-1'), unit('PASS', 'UpdMech-2')])).toBe('FAIL')
  })
})
