import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RecordedEntry } from '../../core/evidence.ts'
import type { GroupResult, RunResults, UnitResult } from '../../core/verdict.ts'
import { DecideError } from '../../decide/errors.ts'
import { asksForAssessor, openUnits, readRunFolder } from '../../decide/open-units.ts'
import { describeUnit, MAX_EVIDENCE_LINES, parseReason } from '../../decide/questions.ts'
import { tempDir } from '../cli/helpers.ts'

const REVIEW =
  'assessor review: do the procedure and its time frame support timely deployment of security updates? — ' +
  'UpdProc-1 Description: "Reports reach the PSIRT; findings are triaged."; UpdProc-1 Time Frame: "critical within 30 days; high within 60 days"'

function unit(id: string, verdict: UnitResult['verdict'], reason: string, more: Partial<UnitResult> = {}): UnitResult {
  return { id, verdict, reason, source: 'rule', reads: [], ...more }
}

/** A run's groups as results.json holds them: rule questions, an observation, a check only a person can do. */
function groups(): GroupResult[] {
  return [
    {
      id: '5.3-8',
      provision: '5.3-8',
      status: 'M C(12)',
      title: 'Security updates are timely',
      verdict: 'INCONCLUSIVE',
      cases: [
        {
          id: '5.3-8-1',
          kind: 'conceptual',
          verdict: 'INCONCLUSIVE',
          units: [
            unit('5.3-8-1a', 'INCONCLUSIVE', REVIEW, { target: 'UpdProc-1', reads: ['8-UpdProc.description', '8-UpdProc.timeFrame'] }),
            unit('5.3-8-1a', 'INCONCLUSIVE', REVIEW.replaceAll('UpdProc-1', 'UpdProc-2'), { target: 'UpdProc-2' }),
            unit('5.3-8-1b', 'PASS', 'time frame stated'),
          ],
        },
      ],
    },
    {
      id: '5.3-2',
      provision: '5.3-2',
      status: 'M C(12)',
      title: 'Updates are installed securely',
      verdict: 'INCONCLUSIVE',
      cases: [
        {
          id: '5.3-2-2',
          kind: 'functional',
          verdict: 'INCONCLUSIVE',
          units: [
            unit('5.3-2-2a', 'INCONCLUSIVE', 'installed same-version again: whether an equal version is allowed is for the assessor', {
              target: 'UpdMech-Network',
              variant: 'same-version',
              source: 'observed',
              evidence: ['E000001', 'E000002'],
            }),
            unit('5.3-2-2a', 'INCONCLUSIVE', 'the device did not answer read-outcome within 60 s', {
              target: 'UpdMech-Network',
              variant: 'payload-byte',
              source: 'observed',
            }),
            unit('5.3-2-2a', 'INCONCLUSIVE', 'assessor review: does the device ask for consent at all?', {
              target: 'UpdMech-Network',
              variant: 'consent',
              source: 'observed',
              evidence: ['E000002', 'E000003'],
            }),
            unit(
              '5.3-2-2b',
              'INCONCLUSIVE',
              'no automated functional test exists for this unit (it needs a DUT); assessor to record the result',
              {
                source: 'observed',
              },
            ),
          ],
        },
      ],
    },
  ]
}

describe('asksForAssessor', () => {
  it('takes INCONCLUSIVE questions for a person, not observations that failed or decided units', () => {
    expect(asksForAssessor({ verdict: 'INCONCLUSIVE', reason: REVIEW })).toBe(true)
    expect(asksForAssessor({ verdict: 'INCONCLUSIVE', reason: 'no automatic check exists for this unit; assessor review needed' })).toBe(
      true,
    )
    expect(asksForAssessor({ verdict: 'INCONCLUSIVE', reason: 'the device did not answer' })).toBe(false)
    expect(asksForAssessor({ verdict: 'INCONCLUSIVE', reason: 'functional unit not run: it needs a DUT and no DUT was given' })).toBe(false)
    expect(asksForAssessor({ verdict: 'PASS', reason: 'assessor review settled' })).toBe(false)
  })
})

describe('openUnits', () => {
  it('lists the questions in report order, with their group, and one question per unit and target', () => {
    const open = openUnits(groups(), [])
    expect(open.map((u) => [u.unit, u.target, u.group.id, u.kind])).toEqual([
      ['5.3-8-1a', 'UpdProc-1', '5.3-8', 'conceptual'],
      ['5.3-8-1a', 'UpdProc-2', '5.3-8', 'conceptual'],
      ['5.3-2-2a', 'UpdMech-Network', '5.3-2', 'functional'],
      ['5.3-2-2b', undefined, '5.3-2', 'functional'],
    ])
    expect(open[0]!.reads).toEqual(['8-UpdProc.description', '8-UpdProc.timeFrame'])
    expect(open[0]!.group.title).toBe('Security updates are timely')
    // Two variants ask; the one whose observation failed is not a question.
    expect(open[2]!.asks.map((a) => a.variant)).toEqual(['same-version', 'consent'])
  })

  it('leaves out what decisions.yaml already settles, the way a run applies decisions', () => {
    const open = openUnits(groups(), [
      { unit: '5.3-8-1a', target: 'UpdProc-2' },
      { unit: '5.3-2-2b' },
      { unit: '5.3-2-2a', target: 'UpdMech-Other' },
    ])
    expect(open.map((u) => `${u.unit} ${u.target ?? ''}`.trim())).toEqual(['5.3-8-1a UpdProc-1', '5.3-2-2a UpdMech-Network'])
  })

  it('a unit run once per DUT is settled by a decision on it whatever target it names', () => {
    expect(openUnits(groups(), [{ unit: '5.3-2-2b', target: 'UpdMech-Network' }]).some((u) => u.unit === '5.3-2-2b')).toBe(false)
  })
})

describe('readRunFolder', () => {
  async function runFolder(results: unknown, evidence?: RecordedEntry[]): Promise<string> {
    const dir = await tempDir('decide-run')
    await writeFile(join(dir, 'results.json'), typeof results === 'string' ? results : JSON.stringify(results))
    if (evidence) {
      await mkdir(join(dir, 'evidence'))
      await writeFile(join(dir, 'evidence', 'exchanges.jsonl'), evidence.map((e) => JSON.stringify(e)).join('\n') + '\n')
    }
    return dir
  }

  const results = (): Partial<RunResults> => ({ standard: 'en303645-v3.1.3', groups: groups() })

  it('reads the groups and the evidence log of a run', async () => {
    const entry: RecordedEntry = { id: 'E000001', time: '2026-12-02T10:00:00.000Z', channel: 'http', summary: 'GET /api/info → 200' }
    const run = await readRunFolder(await runFolder(results(), [entry]))
    expect(openUnits(run.groups, [])).toHaveLength(4)
    expect(run.evidence.get('E000001')).toEqual(entry)
  })

  it('a run without evidence (documents only) has an empty log', async () => {
    expect((await readRunFolder(await runFolder(results()))).evidence.size).toBe(0)
  })

  it.each([
    ['a folder without results.json', undefined],
    ['results.json that is not JSON', '{"groups": ['],
    [
      'a result model of another shape',
      { groups: [{ id: '5.3-8', title: 'x', cases: [{ id: 'c', kind: 'conceptual', units: [{ id: 'u' }] }] }] },
    ],
  ])('refuses %s with a stable code', async (_what, content) => {
    const dir = content === undefined ? await tempDir('decide-run') : await runFolder(content)
    const err = await readRunFolder(dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DecideError)
    expect((err as DecideError).code).toBe('E_DECIDE_RUN')
    expect((err as DecideError).message).toContain('results.json')
  })
})

describe('questions', () => {
  it('splits a rule review into its question and the IXIT text it quotes', () => {
    expect(parseReason(REVIEW)).toEqual({
      question: 'do the procedure and its time frame support timely deployment of security updates?',
      quotes: [
        'UpdProc-1 Description: "Reports reach the PSIRT; findings are triaged."',
        'UpdProc-1 Time Frame: "critical within 30 days; high within 60 days"',
      ],
    })
    expect(parseReason('assessor review: is it suitable?')).toEqual({ question: 'is it suitable?', quotes: [] })
    expect(parseReason('installed again: for the assessor')).toEqual({ question: 'installed again: for the assessor', quotes: [] })
  })

  it('shows unit, target, group, question, quotes and the fields read', () => {
    const [first] = openUnits(groups(), [])
    const text = describeUnit(first!, new Map(), { index: 1, total: 4 }).join('\n')
    expect(text).toContain('1 of 4: 5.3-8-1a [UpdProc-1] (conceptual)')
    expect(text).toContain('5.3-8  Security updates are timely')
    expect(text).toContain('question  do the procedure and its time frame support timely deployment of security updates?')
    expect(text).toContain('IXIT      UpdProc-1 Description: "Reports reach the PSIRT; findings are triaged."')
    expect(text).toContain('\n            UpdProc-1 Time Frame: "critical within 30 days; high within 60 days"')
    expect(text).toContain('reads     8-UpdProc.description, 8-UpdProc.timeFrame')
  })

  it('shows the evidence a functional unit cites, each entry once, and no more than the cap', () => {
    const open = openUnits(groups(), [])[2]!
    open.asks[1]!.evidence.push(...Array.from({ length: 30 }, (_, i) => `E${String(i + 10).padStart(6, '0')}`))
    const log = new Map<string, RecordedEntry>([
      ['E000001', { id: 'E000001', time: '2026-12-02T10:00:00.000Z', channel: 'update-server', summary: 'GET /manifest → 200' }],
      ['E000002', { id: 'E000002', time: '2026-12-02T10:00:05.000Z', channel: 'http', summary: 'GET /api/outcome → 200' }],
    ])
    const lines = describeUnit(open, log, { index: 3, total: 4 })
    const text = lines.join('\n')
    expect(text).toContain('question  same-version: installed same-version again')
    expect(text).toContain('question  consent: does the device ask for consent at all?')
    expect(text).toContain('evidence  E000001  2026-12-02T10:00:00.000Z  update-server  GET /manifest → 200')
    expect(text).toContain('E000002  2026-12-02T10:00:05.000Z  http  GET /api/outcome → 200')
    expect(text).toContain('E000003  (not in evidence/exchanges.jsonl)')
    expect(lines.filter((l) => /E\d{6}/.test(l))).toHaveLength(MAX_EVIDENCE_LINES)
    expect(text).toContain(`… ${33 - MAX_EVIDENCE_LINES} more in evidence/exchanges.jsonl`)
  })
})
