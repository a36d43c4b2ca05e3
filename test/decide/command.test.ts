import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isMap, isSeq, parseDocument } from 'yaml'
import { describe, expect, it } from 'vitest'
import type { RecordedEntry } from '../../core/evidence.ts'
import type { GroupResult, RunResults, UnitResult } from '../../core/verdict.ts'
import { localDate } from '../../decide/session.ts'
import { exampleCopy, tempDir, ts701, ts701InProcess } from '../cli/helpers.ts'

/** The reference assessment without its decisions on 5.3-8-1a: two units wait for an assessor. */
function withoutTimelinessDecisions(): Promise<string> {
  return exampleCopy({
    decisions: (doc) => {
      const seq = doc.get('decisions', true)
      if (!isSeq(seq)) throw new Error('no decisions list')
      seq.items = seq.items.filter((item) => !(isMap(item) && item.get('unit') === '5.3-8-1a'))
    },
  })
}

function decisionsOf(text: string): Record<string, unknown>[] {
  return parseDocument(text).toJS().decisions as Record<string, unknown>[]
}

function unitsOf(results: RunResults, id: string): UnitResult[] {
  return results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.id === id)
}

const RATIONALE = 'Intake, triage by severity and release deadlines with named responsibilities support timely deployment.'

describe('ts701 decide', () => {
  it('records an answer given on piped stdin, and the next run applies it', { timeout: 300_000 }, async () => {
    const dir = await withoutTimelinessDecisions()
    const file = join(dir, 'decisions.yaml')
    const before = await readFile(file, 'utf8')

    const decided = ts701(['decide', dir, '--assessor', 'T. Tester'], {}, `p\n${RATIONALE}\nq\n`)
    expect(decided.stderr).toBe('')
    expect(decided.code).toBe(0)
    expect(decided.stdout).toContain('1 of 2: 5.3-8-1a [UpdProc-1] (conceptual)')
    expect(decided.stdout).toContain('quit: 1 decided, 0 skipped, 1 left')
    expect(decided.stdout).toContain(`ts701 run --assessment ${dir}`)

    const after = await readFile(file, 'utf8')
    expect(after.startsWith(before)).toBe(true)
    expect(after.split('\n')[0]).toBe('# yaml-language-server: $schema=../../ixit/schemas/decisions.schema.json')
    expect(decisionsOf(after)).toHaveLength(decisionsOf(before).length + 1)
    expect(decisionsOf(after).at(-1)).toEqual({
      unit: '5.3-8-1a',
      target: 'UpdProc-1',
      verdict: 'PASS',
      rationale: RATIONALE,
      assessor: 'T. Tester',
      date: localDate(),
    })

    const out = await tempDir('decide-run')
    const run = ts701(['run', '--conceptual-only', '--assessment', dir, '--out', out])
    expect(run.stderr).not.toContain('error')
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    const [first, second] = unitsOf(results, '5.3-8-1a')
    expect(first).toMatchObject({ target: 'UpdProc-1', verdict: 'PASS', source: 'assessor', reason: RATIONALE })
    expect(first!.assessor).toEqual({ name: 'T. Tester', date: localDate() })
    expect(second).toMatchObject({ target: 'UpdProc-2', verdict: 'INCONCLUSIVE', source: 'rule' })
  })

  it('--from takes the open units of a run folder and shows the evidence they cite', async () => {
    const dir = await exampleCopy()
    const runDir = await tempDir('decide-from')
    const unit: UnitResult = {
      id: '5.3-2-2a',
      target: 'UpdMech-Network',
      variant: 'same-version',
      verdict: 'INCONCLUSIVE',
      reason: 'installed the valid image again: whether an equal version is allowed is for the assessor',
      source: 'observed',
      reads: ['7-UpdMech.description'],
      evidence: ['E000002'],
    }
    const groups: GroupResult[] = [
      {
        id: '5.3-2',
        provision: '5.3-2',
        status: 'M',
        title: 'Updates are installed securely',
        verdict: 'INCONCLUSIVE',
        cases: [{ id: '5.3-2-2', kind: 'functional', verdict: 'INCONCLUSIVE', units: [unit] }],
      },
    ]
    await writeFile(join(runDir, 'results.json'), JSON.stringify({ standard: 'en303645-v3.1.3', groups }))
    const entries: RecordedEntry[] = [
      { id: 'E000001', time: '2026-12-02T10:00:00.000Z', channel: 'http', summary: 'GET /api/info → 200' },
      { id: 'E000002', time: '2026-12-02T10:00:09.000Z', channel: 'update-server', summary: 'GET /images/valid.ts701 → 200' },
    ]
    await mkdir(join(runDir, 'evidence'))
    await writeFile(join(runDir, 'evidence', 'exchanges.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n')

    // The input ends right after the rationale: a closed pipe ends the walk cleanly.
    const r = ts701(['decide', dir, '--from', runDir], {}, 'f\nR. Person\nThe IXIT forbids reinstalling the running version.\n')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('1 of 1: 5.3-2-2a [UpdMech-Network] (functional)')
    expect(r.stdout).toContain('evidence  E000002  2026-12-02T10:00:09.000Z  update-server  GET /images/valid.ts701 → 200')
    expect(r.stdout).not.toContain('E000001')
    expect(r.stdout).toContain('all units seen: 1 decided, 0 skipped, 0 left')
    expect(decisionsOf(await readFile(join(dir, 'decisions.yaml'), 'utf8')).at(-1)).toMatchObject({
      unit: '5.3-2-2a',
      target: 'UpdMech-Network',
      verdict: 'FAIL',
      assessor: 'R. Person',
    })
  })

  describe('refuses unusable input with a ts701: message and exit code 2, never a stack trace', () => {
    async function brokenDecisions(): Promise<string> {
      const dir = await exampleCopy()
      await writeFile(join(dir, 'decisions.yaml'), 'decisions:\n  - unit: 5.3-8-1a\n    verdict: SOMETIMES\n')
      return dir
    }

    async function withoutIcs(): Promise<string> {
      const dir = await exampleCopy()
      await rm(join(dir, 'ics.yaml'))
      return dir
    }

    it.each([
      ['a folder that does not exist', async () => ['/nonexistent/ts701-assessment'], /ts701: .*cannot read assessment folder/],
      ['a malformed decisions.yaml', async () => [await brokenDecisions()], /ts701: .*decisions\.yaml is not a valid decisions document/],
      [
        'an assessment without its ICS',
        async () => [await withoutIcs()],
        /no ICS document[^]*\nts701: the assessment documents have errors/,
      ],
      [
        'a run folder without results.json',
        async () => [await exampleCopy(), '--from', await tempDir('decide-empty')],
        /ts701: cannot read the results/,
      ],
      ['--standard beside --from', async () => [await exampleCopy(), '--from', '.', '--standard', 'en303645-v2.1.1'], /ts701: --standard/],
    ])('%s', async (_what, args, message) => {
      const [dir, ...rest] = await args()
      const r = await ts701InProcess(['decide', dir!, ...rest])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/^\s+at /m)
    })
  })
})
