import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import type { CaseResult, GroupResult, RunMeta, RunResults, UnitResult, Verdict } from '../../core/verdict.ts'
import { MergeError } from '../../merge/errors.ts'
import { mergeRuns, type LabelledRun } from '../../merge/runs.ts'

const EDITION = loadEdition('en303645-v3.1.3')

const unit = (id: string, verdict: Verdict, extra: Partial<UnitResult> = {}): UnitResult => ({
  id,
  verdict,
  reason: `${verdict.toLowerCase()} in this run`,
  source: 'rule',
  reads: [],
  ...extra,
})

// Case and group verdicts are left stale on purpose: the merge must fold them again from the units.
const testCase = (id: string, units: UnitResult[], extra: Partial<CaseResult> = {}): CaseResult => ({
  id,
  kind: 'conceptual',
  verdict: 'INCONCLUSIVE',
  units,
  ...extra,
})

const group = (id: string, cases: CaseResult[], extra: Partial<GroupResult> = {}): GroupResult => ({
  id,
  provision: id,
  status: 'M',
  title: `group ${id}`,
  verdict: 'INCONCLUSIVE',
  cases,
  ...extra,
})

function run(label: string, finishedAt: string, groups: GroupResult[], extra: Partial<RunResults> = {}): LabelledRun {
  return {
    label,
    dir: `/lab/${label}`,
    results: {
      standard: EDITION.id,
      standardTitle: EDITION.title,
      dut: 'DUT: TS701-REF-1',
      startedAt: finishedAt.replace(/T\d\d/, 'T08'),
      finishedAt,
      conceptualOnly: true,
      findings: [],
      attacks: [],
      files: [],
      groups,
      ...extra,
    },
  }
}

/** The tree of a run that reported one unit: its group and case follow from its ID (`5.3-7-1a` → `5.3-7`, `5.3-7-1`). */
const one = (id: string, u: UnitResult) => [group(id.split('-').slice(0, 2).join('-'), [testCase(id.replace(/[a-z]$/, ''), [u])])]
const unitsOf = (r: RunResults) => r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
const findUnit = (r: RunResults, id: string, target?: string) => unitsOf(r).find((u) => u.id === id && u.target === target)

describe('which verdict a unit keeps', () => {
  it('keeps the latest decisive verdict and lists the decision it overrides as a conflict', () => {
    const merged = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS', { target: 'UpdMech-1' }))),
        run('run2', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'FAIL', { target: 'UpdMech-1' }))),
      ],
      EDITION,
    )
    expect(findUnit(merged, '5.3-7-1a', 'UpdMech-1')).toMatchObject({
      verdict: 'FAIL',
      run: 'run2',
      conflicts: [{ run: 'run1', verdict: 'PASS', reason: 'pass in this run' }],
    })
  })

  it('goes by when the runs finished, not by the order they are given in', () => {
    const merged = mergeRuns(
      [
        run('late', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS'))),
        run('early', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'FAIL'))),
      ],
      EDITION,
    )
    expect(findUnit(merged, '5.3-7-1a')).toMatchObject({ verdict: 'PASS', run: 'late', conflicts: [{ run: 'early', verdict: 'FAIL' }] })
  })

  it('does not let a later INCONCLUSIVE or NOT APPLICABLE undo an earlier PASS', () => {
    for (const later of ['INCONCLUSIVE', 'NOT APPLICABLE'] as const) {
      const merged = mergeRuns(
        [
          run('run1', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS'))),
          run('run2', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', later))),
        ],
        EDITION,
      )
      const kept = findUnit(merged, '5.3-7-1a')
      expect(kept).toMatchObject({ verdict: 'PASS', run: 'run1' })
      expect(kept?.conflicts).toBeUndefined()
    }
  })

  it('takes the latest run when no run decided the unit', () => {
    const merged = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'NOT APPLICABLE'))),
        run('run2', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'INCONCLUSIVE'))),
      ],
      EDITION,
    )
    expect(findUnit(merged, '5.3-7-1a')).toMatchObject({ verdict: 'INCONCLUSIVE', run: 'run2' })
  })

  it('reports no conflict when the decisions agree', () => {
    const merged = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS'))),
        run('run2', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS', { source: 'assessor' }))),
      ],
      EDITION,
    )
    const kept = findUnit(merged, '5.3-7-1a')
    expect(kept).toMatchObject({ run: 'run2', source: 'assessor' })
    expect(kept?.conflicts).toBeUndefined()
  })

  it('lists every other decision that differs, oldest first', () => {
    const merged = mergeRuns(
      [
        run('a', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'FAIL'))),
        run('b', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS'))),
        run('c', '2026-11-22T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'FAIL'))),
        run('d', '2026-11-23T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS'))),
      ],
      EDITION,
    )
    expect(findUnit(merged, '5.3-7-1a')?.conflicts?.map((c) => c.run)).toEqual(['a', 'c'])
  })

  it('tells units apart by target and variant', () => {
    const groups = (verdict: Verdict, variant: string) => [
      group('5.3-2', [testCase('5.3-2-2', [unit('5.3-2-2b', verdict, { target: 'UpdMech-1', variant })], { kind: 'functional' })]),
    ]
    const merged = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', groups('PASS', 'payload-byte'), { conceptualOnly: false }),
        run('run2', '2026-11-21T10:00:00Z', groups('FAIL', 'signature-strip'), { conceptualOnly: false }),
      ],
      EDITION,
    )
    expect(unitsOf(merged).map((u) => [u.variant, u.verdict, u.run, u.conflicts])).toEqual([
      ['payload-byte', 'PASS', 'run1', undefined],
      ['signature-strip', 'FAIL', 'run2', undefined],
    ])
  })
})

describe('evidence of a merged assessment', () => {
  it("prefixes each unit's evidence with the label of the run its verdict comes from", () => {
    const merged = mergeRuns(
      [
        run('http', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS', { evidence: ['E000001', 'E000042'] }))),
        run('console', '2026-11-21T10:00:00Z', [
          group('5.3-7', [testCase('5.3-7-1', [unit('5.3-7-1a', 'INCONCLUSIVE', { evidence: ['E000007'] }), unit('5.3-7-1b', 'PASS')])]),
        ]),
      ],
      EDITION,
    )
    expect(findUnit(merged, '5.3-7-1a')?.evidence).toEqual(['http/E000001', 'http/E000042'])
    expect(findUnit(merged, '5.3-7-1b')).not.toHaveProperty('evidence')
  })
})

describe('the merged tree', () => {
  it('keeps catalog order, with a unit only a later run reported in its place', () => {
    const merged = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', [
          group('5.3-8', [testCase('5.3-8-1', [unit('5.3-8-1b', 'PASS')])]),
          group('5.3-7', [testCase('5.3-7-1', [unit('5.3-7-1c', 'PASS', { target: 'B' }), unit('5.3-7-1c', 'PASS', { target: 'A' })])]),
        ]),
        run('run2', '2026-11-21T10:00:00Z', [
          group('5.3-7', [testCase('5.3-7-1', [unit('5.3-7-1a', 'PASS'), unit('5.3-7-1c', 'PASS', { target: 'C' })])]),
        ]),
      ],
      EDITION,
    )
    expect(merged.groups.map((g) => g.id)).toEqual(['5.3-7', '5.3-8'])
    expect(merged.groups[0]!.cases[0]!.units.map((u) => `${u.id}${u.target ?? ''}`)).toEqual([
      '5.3-7-1a',
      '5.3-7-1cB',
      '5.3-7-1cA',
      '5.3-7-1cC',
    ])
  })

  it('folds cases and groups again from the merged units', () => {
    // 5.3-2-1 passes on one mechanism that passes: run1 failed one, run2 passed the other.
    const merged = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', [
          group('5.3-2', [
            testCase('5.3-2-1', [unit('5.3-2-1a', 'FAIL', { target: 'A' }), unit('5.3-2-1a', 'INCONCLUSIVE', { target: 'B' })]),
          ]),
          group('5.3-7', [testCase('5.3-7-1', [unit('5.3-7-1a', 'PASS'), unit('5.3-7-1b', 'INCONCLUSIVE')])]),
        ]),
        run('run2', '2026-11-21T10:00:00Z', [
          group('5.3-2', [testCase('5.3-2-1', [unit('5.3-2-1a', 'PASS', { target: 'B' })])]),
          group('5.3-7', [testCase('5.3-7-1', [unit('5.3-7-1b', 'FAIL')])]),
        ]),
      ],
      EDITION,
    )
    expect(merged.groups.map((g) => [g.id, g.verdict, g.cases.map((c) => c.verdict)])).toEqual([
      ['5.3-2', 'PASS', ['PASS']],
      ['5.3-7', 'FAIL', ['FAIL']],
    ])
  })

  it('leaves a case open while no run ran its functional units, and closes it once one did', () => {
    const conceptual = [
      group('5.3-10', [testCase('5.3-10-1', [unit('5.3-10-1a', 'PASS', { target: 'A' }), unit('5.3-10-1b', 'PASS', { target: 'A' })])]),
    ]
    const documentsOnly = mergeRuns(
      [run('run1', '2026-11-20T10:00:00Z', conceptual), run('run2', '2026-11-21T10:00:00Z', conceptual)],
      EDITION,
    )
    expect(documentsOnly.groups[0]).toMatchObject({ verdict: 'INCONCLUSIVE', cases: [{ verdict: 'INCONCLUSIVE' }] })
    expect(documentsOnly.groups[0]!.cases[0]!.reason).toContain('5.3-10-1c')
    expect(documentsOnly.conceptualOnly).toBe(true)

    const withDevice = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', conceptual),
        run(
          'run2',
          '2026-11-21T10:00:00Z',
          // The ts701 unit's FAIL is shown with the case but does not decide it.
          [group('5.3-10', [testCase('5.3-10-1', [unit('5.3-10-1c', 'PASS'), unit('5.3-10-1d', 'FAIL', { origin: 'ts701' })])])],
          { conceptualOnly: false },
        ),
      ],
      EDITION,
    )
    expect(withDevice.groups[0]).toMatchObject({ verdict: 'PASS', cases: [{ verdict: 'PASS' }] })
    expect(withDevice.groups[0]!.cases[0]!.units).toHaveLength(4)
    expect(withDevice.conceptualOnly).toBe(false)
  })

  it("does not let a case ts701 added decide the standard's group", () => {
    const merged = mergeRuns(
      [
        run(
          'run1',
          '2026-11-20T10:00:00Z',
          [
            group('5.3-5', [
              testCase('5.3-5-1', [unit('5.3-5-1a', 'PASS', { target: 'A' })]),
              testCase('5.3-5-2', [unit('5.3-5-2a', 'FAIL', { target: 'A', origin: 'ts701' })], { kind: 'functional', origin: 'ts701' }),
            ]),
          ],
          { conceptualOnly: false },
        ),
      ],
      EDITION,
    )
    expect(merged.groups[0]).toMatchObject({ verdict: 'PASS', cases: [{ verdict: 'PASS' }, { verdict: 'FAIL', origin: 'ts701' }] })
  })

  it('keeps a group NOT APPLICABLE in every run so, with the latest reason; one applicable run opens it', () => {
    const notApplicable = (reason: string) => [
      group('5.3-11', [testCase('5.3-11-1', [unit('5.3-11-1a', 'NOT APPLICABLE', { target: 'A' })], { verdict: 'NOT APPLICABLE' })], {
        verdict: 'NOT APPLICABLE',
        reason,
      }),
    ]
    const both = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', notApplicable('old reason')),
        run('run2', '2026-11-21T10:00:00Z', notApplicable('C(12) absent')),
      ],
      EDITION,
    )
    expect(both.groups[0]).toMatchObject({ verdict: 'NOT APPLICABLE', reason: 'C(12) absent' })

    const opened = mergeRuns(
      [
        run('run1', '2026-11-20T10:00:00Z', notApplicable('C(12) absent')),
        run('run2', '2026-11-21T10:00:00Z', [group('5.3-11', [testCase('5.3-11-1', [unit('5.3-11-1a', 'PASS', { target: 'A' })])])]),
      ],
      EDITION,
    )
    expect(opened.groups[0]).toMatchObject({ verdict: 'PASS' })
    expect(opened.groups[0]).not.toHaveProperty('reason')
  })
})

describe('what else a merged assessment carries', () => {
  const meta = (assessor: string, file: string): RunMeta => ({
    ts701Version: '0.1.0',
    lab: 'Example lab',
    assessors: ['R. Example', assessor],
    inputs: [{ kind: 'ics', path: file, sha256: 'ab' }],
    declared: { modelDesignations: ['TS701-REF-1'] },
  })
  const SEEN = { version: '1.0.0', source: 'the identify operation' }
  const finding = (message: string) => ({ severity: 'warning' as const, code: 'W', file: 'ixit.yaml', line: 1, column: 1, message })
  const merged = mergeRuns(
    [
      run('http', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS')), {
        startedAt: '2026-11-20T09:00:00Z',
        findings: [finding('both'), finding('only http')],
        attacks: [{ name: 'payload-byte', kind: 'bit-flip', description: 'one byte flipped', sha256: 'cd' }],
        meta: meta('A. Other', 'a/ics.yaml'),
        observedDut: SEEN,
      }),
      run('console', '2026-11-21T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS')), {
        startedAt: '2026-11-21T09:00:00Z',
        findings: [finding('both')],
        seal: { algorithm: 'sha256', files: 3, digest: 'ef' },
      }),
    ],
    EDITION,
  )

  it('names the runs it draws on, and spans them in time', () => {
    expect(merged.runs).toEqual([
      { label: 'http', dir: '/lab/http', startedAt: '2026-11-20T09:00:00Z', finishedAt: '2026-11-20T10:00:00Z', observedDut: SEEN },
      {
        label: 'console',
        dir: '/lab/console',
        startedAt: '2026-11-21T09:00:00Z',
        finishedAt: '2026-11-21T10:00:00Z',
        seal: { algorithm: 'sha256', files: 3, digest: 'ef' },
      },
    ])
    expect([merged.startedAt, merged.finishedAt]).toEqual(['2026-11-20T09:00:00Z', '2026-11-21T10:00:00Z'])
    expect(merged.observedDut).toEqual(SEEN)
    expect(merged.seal).toBeUndefined()
  })

  it('keeps a finding every run raised once, and says which run raised the others', () => {
    expect(merged.findings.map((f) => f.message)).toEqual(['both', 'http: only http'])
  })

  it("names each attack with its run's label, and merges the cover", () => {
    expect(merged.attacks.map((a) => a.name)).toEqual(['http/payload-byte'])
    expect(merged.meta).toEqual({
      ts701Version: '0.1.0',
      lab: 'Example lab',
      assessors: ['R. Example', 'A. Other'],
      inputs: [{ kind: 'http/ics', path: 'a/ics.yaml', sha256: 'ab' }],
      declared: { modelDesignations: ['TS701-REF-1'] },
    })
  })
})

describe('runs that cannot be merged', () => {
  const base = () => run('run1', '2026-11-20T10:00:00Z', one('5.3-7-1a', unit('5.3-7-1a', 'PASS')))
  const refused = (runs: LabelledRun[]): MergeError => {
    try {
      mergeRuns(runs, EDITION)
    } catch (err) {
      if (err instanceof MergeError) return err
      throw err
    }
    throw new Error('merged what it should have refused')
  }

  it('refuses runs of different devices, naming both', () => {
    const other = run('run2', '2026-11-21T10:00:00Z', [], { dut: 'DUT: OTHER-2' })
    const err = refused([base(), other])
    expect(err.code).toBe('E_MERGE_DUT')
    expect(err.message).toContain('DUT: TS701-REF-1')
    expect(err.message).toContain('DUT: OTHER-2')
  })

  it('refuses runs against different editions, naming both', () => {
    const other = run('run2', '2026-11-21T10:00:00Z', [], { standard: 'en303645-v2.1.1' })
    const err = refused([base(), other])
    expect(err.code).toBe('E_MERGE_EDITION')
    expect(err.message).toMatch(/en303645-v3\.1\.3.*en303645-v2\.1\.1/)
  })

  it('refuses labels that collide, a merge of a merge, and units the edition lacks', () => {
    expect(refused([base(), base()]).code).toBe('E_MERGE_LABEL')
    const nested = run('run2', '2026-11-21T10:00:00Z', [], { runs: [] })
    expect(refused([base(), nested]).code).toBe('E_MERGE_NESTED')
    const unknown = run('run2', '2026-11-21T10:00:00Z', one('5.3-7-1z', unit('5.3-7-1z', 'PASS')))
    expect(refused([base(), unknown])).toMatchObject({ code: 'E_MERGE_CATALOG', message: expect.stringContaining('5.3-7-1z') })
  })
})
