import { describe, expect, it } from 'vitest'
import { buildPlan } from '../../catalog/plan.ts'
import { loadEdition } from '../../catalog/editions.ts'
import { conclude, evaluateUnit, indexRules } from '../../harness/evaluate.ts'
import { unusedDecisions } from '../../harness/run.ts'
import type { Rule } from '../../harness/rule.ts'
import { resultFrom } from '../../harness/suite-runner.ts'
import type { GroupResult } from '../../core/verdict.ts'
import type { Decision } from '../../ixit/types.ts'
import { evaluate, loadExample, unitsOf, variant } from '../helpers.ts'

const example = await loadExample()
const withoutDecisions = variant(example, (a) => {
  a.decisions = []
})

const decision = (over: Partial<Decision>): Decision => ({
  unit: '5.3-8-1a',
  target: 'UpdProc-1',
  verdict: 'FAIL',
  rationale: 'the time frame for critical fixes is too long for this product',
  assessor: 'J. Tester',
  date: '2026-11-25',
  source: { file: 'decisions.yaml', line: 3, column: 5 },
  ...over,
})

describe('assessor decisions', () => {
  it('leave judgement units INCONCLUSIVE, quoting the IXIT, until a decision exists', () => {
    const [u] = unitsOf(evaluate(withoutDecisions), '5.3-8-1a')
    expect(u).toMatchObject({ verdict: 'INCONCLUSIVE', source: 'rule', target: 'UpdProc-1' })
    expect(u!.reason).toMatch(/^assessor review: .*UpdProc-1 Time Frame: "/)
  })

  it('settle those units, and the report says an assessor decided', () => {
    const a = variant(withoutDecisions, (copy) => {
      copy.decisions = [decision({})]
    })
    const [u] = unitsOf(evaluate(a), '5.3-8-1a')
    expect(u).toMatchObject({
      verdict: 'FAIL',
      source: 'assessor',
      reason: 'the time frame for critical fixes is too long for this product',
      assessor: { name: 'J. Tester', date: '2026-11-25' },
    })
  })

  it('do not overrule a mechanical verdict, and the contradiction is reported', () => {
    const a = variant(withoutDecisions, (copy) => {
      copy.decisions = [decision({ unit: '5.3-7-1c', target: 'UpdMech-Network' })]
    })
    const groups = evaluate(a)
    expect(unitsOf(groups, '5.3-7-1c').find((u) => u.target === 'UpdMech-Network')).toMatchObject({ verdict: 'PASS', source: 'rule' })
    expect(unusedDecisions(a, groups)).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'decision-not-applied', file: 'decisions.yaml', line: 3 }),
    ])
  })
})

describe('assessor decisions on observed units', () => {
  const plan = buildPlan(loadEdition('en303645-v3.1.3'), example)
  const planned = plan.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).find((p) => p.unit.id === '5.3-14-2c')!
  const a = variant(example, (copy) => {
    copy.decisions = [decision({ unit: '5.3-14-2c', target: planned.target, verdict: 'PASS', rationale: 'the page says it all' })]
  })

  it('settle a question the observation left to a person', () => {
    const u = conclude(planned, { verdict: 'INCONCLUSIVE', reason: 'assessor review: is the page clear?', review: true }, 'observed', a)
    expect(u).toMatchObject({ verdict: 'PASS', source: 'assessor', reason: 'the page says it all' })
  })

  it('do not paper over an observation that could not be made', () => {
    const open = { verdict: 'INCONCLUSIVE' as const, reason: 'the publication was not served (HTTP 302 to /login)' }
    const u = conclude(planned, open, 'observed', a)
    expect(u).toMatchObject({ ...open, source: 'observed' })
    const group: GroupResult = {
      id: '5.3-14',
      provision: '5.3-14',
      status: 'M',
      title: 'support period',
      verdict: 'INCONCLUSIVE',
      cases: [{ id: '5.3-14-2', kind: 'functional', verdict: 'INCONCLUSIVE', units: [u] }],
    }
    expect(unusedDecisions(a, [group])).toEqual([
      expect.objectContaining({ code: 'decision-not-applied', message: expect.stringMatching(/the observation decided INCONCLUSIVE/) }),
    ])
  })
})

describe('evaluating a unit', () => {
  const edition = loadEdition()
  const plan = buildPlan(edition, example, { groups: ['5.3-8'], kinds: ['conceptual'] })
  const group = plan.groups[0]!
  const planned = group.cases[0]!.units.find((u) => u.unit.id === '5.3-8-1b')!

  it('turns a rule that throws into INCONCLUSIVE with the reason, not a crash', () => {
    const broken: Rule = {
      name: 'broken',
      decides: ['5.3-8-1b'],
      decide: () => {
        throw new TypeError('boom')
      },
    }
    const result = evaluateUnit(planned, group.applicability, { assessment: example, edition, rules: indexRules([broken]) })
    expect(result).toMatchObject({ verdict: 'INCONCLUSIVE', reason: 'rule broken failed: boom' })
  })

  it('never lets a unit without a rule pass', () => {
    const result = evaluateUnit(planned, group.applicability, { assessment: example, edition, rules: new Map() })
    expect(result.verdict).toBe('INCONCLUSIVE')
  })

  it('refuses two rules claiming one unit', () => {
    const twice: Rule = { name: 'twice', decides: ['5.3-8-1b'], decide: () => ({ verdict: 'PASS', reason: '' }) }
    expect(() => indexRules([twice, { ...twice, name: 'again' }])).toThrow(/twice and again both decide 5.3-8-1b/)
  })

  it('reports a unit that never reported back as INCONCLUSIVE, with the suite error', () => {
    const outcome = { results: new Map(), broken: new Map(), brokenGroups: new Map([['5.3-8', 'SyntaxError: x']]) }
    expect(resultFrom(outcome, planned)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'no verdict: suite 5.3-8 failed: SyntaxError: x',
    })
    const timedOut = { ...outcome, broken: new Map([['5.3-8-1b', { error: 'Test timed out in 30000ms.', durationMs: 30_001 }]]) }
    expect(resultFrom(timedOut, planned)).toMatchObject({ reason: 'no verdict: Test timed out in 30000ms.', durationMs: 30_001 })
  })

  it('names a crashed worker as the reason, and no rule or observation is said to stand behind it', () => {
    const crashed = { results: new Map(), broken: new Map(), brokenGroups: new Map(), runError: 'Worker exited unexpectedly' }
    expect(resultFrom(crashed, planned)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      source: 'harness',
      reason: 'no verdict: the unit did not run: the test worker failed (Worker exited unexpectedly)',
    })
  })
})

describe('decisions about units nobody decided', () => {
  it('raise no "the rule decided" warning when the unit did not run', () => {
    const a = variant(withoutDecisions, (copy) => {
      copy.decisions = [decision({ unit: '5.3-7-1c', target: 'UpdMech-Network' })]
    })
    const undecided = evaluate(a).map((g) => ({
      ...g,
      cases: g.cases.map((c) => ({
        ...c,
        units: c.units.map((u) => ({
          ...u,
          verdict: 'INCONCLUSIVE' as const,
          source: 'harness' as const,
          reason: 'no verdict: the unit did not run',
        })),
      })),
    }))
    expect(unusedDecisions(a, undecided)).toEqual([])
  })
})
