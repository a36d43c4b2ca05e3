import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isMap, isSeq } from 'yaml'
import { describe, expect, it } from 'vitest'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import { EXAMPLE } from '../helpers.ts'
import { exampleCopy, tempDir, ts701Async, ts701InProcess } from './helpers.ts'

const CHANGED = { id: '5.3-7-1d', target: 'UpdMech-Network' }

const units = (r: RunResults): UnitResult[] => r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
const readResults = async (dir: string) => JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as RunResults

/** A copy of the reference assessment whose assessor now fails one unit the original passes. */
const failingDecision = () =>
  exampleCopy({
    decisions: (doc) => {
      const list = doc.get('decisions')
      if (!isSeq(list)) throw new Error('decisions.yaml: no decisions list')
      const decision = list.items.find((d) => isMap(d) && d.get('unit') === CHANGED.id && d.get('target') === CHANGED.target)
      if (!isMap(decision)) throw new Error(`decisions.yaml: no decision for ${CHANGED.id}`)
      decision.set('verdict', 'FAIL')
    },
  })

/** Two documents-only runs of the reference DUT, one after the other, so B finished later than A. */
async function twoRuns() {
  const [a, b, later] = await Promise.all([tempDir('run-a'), tempDir('run-b'), failingDecision()])
  const runA = await ts701Async(['run', '--assessment', EXAMPLE, '--conceptual-only', '--out', a])
  const runB = await ts701Async(['run', '--assessment', later, '--conceptual-only', '--out', b])
  return { a, b, runA, runB }
}

describe('ts701 report', () => {
  const runs = twoRuns()

  // Two CLI runs that each start their own vitest: on a loaded machine well over a minute together.
  it('merges two runs of one DUT, keeping the later decision and naming the conflict', { timeout: 300_000 }, async () => {
    const { a, b, runA, runB } = await runs
    expect(runA.code, runA.stderr).toBe(0)
    expect(runB.code, runB.stderr).toBe(1)
    const out = join(await tempDir('merged'), 'report')
    const r = await ts701InProcess(['report', a, b, '--out', out])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines.at(-1)).toBe(join(out, 'report.html'))
    expect(lines).toContain(`conflict: ${CHANGED.id} [${CHANGED.target}]: run1 PASS, run2 FAIL`)
    await access(join(out, 'report.html'))

    const merged = await readResults(out)
    expect(merged.runs?.map((x) => x.label)).toEqual(['run1', 'run2'])
    expect(units(merged).every((u) => u.run === 'run1' || u.run === 'run2')).toBe(true)
    const changed = units(merged).find((u) => u.id === CHANGED.id && u.target === CHANGED.target)
    expect(changed).toMatchObject({ verdict: 'FAIL', run: 'run2', source: 'assessor', conflicts: [{ run: 'run1', verdict: 'PASS' }] })
    // Every other unit agrees, so the merged tree is the later run's, folded the harness's way.
    const later = await readResults(b)
    expect(merged.groups.map((g) => [g.id, g.verdict, g.cases.map((c) => c.verdict)])).toEqual(
      later.groups.map((g) => [g.id, g.verdict, g.cases.map((c) => c.verdict)]),
    )
    expect(merged.files.map((f) => f.path)).toEqual(['report.html', 'results.json'])
  })

  it('takes labels for the runs', async () => {
    const { a, b } = await runs
    const out = await tempDir('labelled')
    const r = await ts701InProcess(['report', a, b, '--label', 'documents,assessor', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`conflict: ${CHANGED.id} [${CHANGED.target}]: documents PASS, assessor FAIL`)
    expect((await readResults(out)).runs?.map((x) => x.label)).toEqual(['documents', 'assessor'])
  })

  it('renders the report of one run again, outside its sealed folder', async () => {
    const { a } = await runs
    const before = await readFile(join(a, 'results.json'), 'utf8')
    const out = await tempDir('single')
    const r = await ts701InProcess(['report', join(a, 'results.json'), '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').at(-1)).toBe(join(out, 'report.html'))
    await access(join(out, 'report.html'))
    expect(await readFile(join(a, 'results.json'), 'utf8')).toBe(before)

    const inside = await ts701InProcess(['report', a, '--out', join(a, 'again')])
    expect(inside.code).toBe(2)
    expect(inside.stderr).toMatch(/^ts701: --out .* is inside the run folder/)
  })

  it('refuses to merge runs of different devices, naming both', async () => {
    const { a } = await runs
    const other = await tempDir('other-dut')
    await writeFile(join(other, 'results.json'), JSON.stringify({ ...(await readResults(a)), dut: 'OTHER-9' }))
    const r = await ts701InProcess(['report', a, other, '--out', await tempDir('refused')])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('ts701: run1 assesses "TS701-REF-1" but run2 assesses "OTHER-9"')
  })

  it('refuses a file that is not a results.json of ts701, in one line and without a stack trace', async () => {
    for (const [arg, said] of [
      ['package.json', /^ts701: package\.json: not a results\.json of ts701 \(\/standard: expected a string\)$/],
      ['README.md', /^ts701: README\.md: not JSON, so not a results\.json of ts701$/],
      ['examples', /^ts701: examples: no results\.json here/],
      ['no/such/run', /^ts701: no\/such\/run: no such file or folder$/],
    ] as const) {
      const r = await ts701InProcess(['report', arg, '--out', await tempDir('refused')])
      expect(r.code, arg).toBe(2)
      expect(r.stderr, arg).toMatch(said)
    }
  })

  it("applies an assessment's decisions to a stored run where it left a unit open, and folds the group again", async () => {
    const { a } = await runs
    const open = await tempDir('open-unit')
    const stored = await readResults(a)
    // The run as it would be without the decision: the unit asks the assessor.
    for (const u of units(stored).filter((x) => x.id === CHANGED.id && x.target === CHANGED.target)) {
      Object.assign(u, { verdict: 'INCONCLUSIVE', source: 'rule', reason: 'assessor review: is any attack feasible?' })
      delete u.assessor
    }
    await writeFile(join(open, 'results.json'), JSON.stringify(stored))
    const out = await tempDir('decided')
    const r = await ts701InProcess(['report', open, '--assessment', await failingDecision(), '--out', out])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`: 1 decision applied from `)
    const decided = await readResults(out)
    const unit = units(decided).find((u) => u.id === CHANGED.id && u.target === CHANGED.target)
    expect(unit).toMatchObject({ verdict: 'FAIL', source: 'assessor', run: 'run1' })
    expect(decided.groups.find((g) => g.id === '5.3-7')?.verdict).toBe('FAIL')
    // A unit the run decided is not the decisions' to change: the stored run itself is left as it was.
    const untouched = await ts701InProcess(['report', a, '--assessment', await failingDecision(), '--out', await tempDir('kept')])
    expect(untouched.stdout).toContain(': 0 decisions applied from ')
  })
})
