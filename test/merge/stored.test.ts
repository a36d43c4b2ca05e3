import { describe, expect, it } from 'vitest'
import { StoredResultsError } from '../../merge/errors.ts'
import { parseStoredResults } from '../../merge/stored.ts'
import { oneCaseRun } from '../reports/fixture.ts'

const minimal = oneCaseRun([{ id: '5.3-7-1a', verdict: 'PASS', reason: 'ok', source: 'rule', reads: [] }])

function problem(content: string): StoredResultsError {
  try {
    parseStoredResults(content, 'x/results.json')
  } catch (err) {
    if (err instanceof StoredResultsError) return err
    throw err
  }
  throw new Error('accepted what it should have refused')
}

describe('recognising a results.json of ts701', () => {
  it('takes the result model a run writes', () => {
    expect(parseStoredResults(JSON.stringify(minimal), 'x/results.json').dut).toBe('DUT: TS701-REF-1')
  })

  it('turns away a file that is not JSON', () => {
    expect(problem('<html>')).toMatchObject({ code: 'E_RESULTS_NOT_JSON', message: expect.stringContaining('x/results.json') })
  })

  it("turns away another tool's JSON, naming the first place that is wrong", () => {
    expect(problem('{"name": "ts701", "version": "0.1.0"}')).toMatchObject({
      code: 'E_RESULTS_SHAPE',
      message: 'x/results.json: not a results.json of ts701 (/standard: expected a string)',
    })
    expect(problem('[1, 2]').message).toContain('expected an object')
    const badVerdict = structuredClone(minimal)
    // A verdict the model does not know, as a hand-edited file may hold.
    Object.assign(badVerdict.groups[0]!.cases[0]!.units[0]!, { verdict: 'MAYBE' })
    expect(problem(JSON.stringify(badVerdict)).message).toContain('/groups/0/cases/0/units/0/verdict: not a verdict ("MAYBE")')
    const badEvidence = {
      ...minimal,
      groups: [
        {
          ...minimal.groups[0]!,
          cases: [{ ...minimal.groups[0]!.cases[0]!, units: [{ ...minimal.groups[0]!.cases[0]!.units[0]!, evidence: [42] }] }],
        },
      ],
    }
    expect(problem(JSON.stringify(badEvidence)).message).toContain('/groups/0/cases/0/units/0/evidence/0: expected a string')
  })
})
