import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import { buildPlan } from '../../catalog/plan.ts'
import { JournalError, resultsFromJournal, RunJournal, undecided } from '../../harness/journal.ts'
import { unitName } from '../../harness/results.ts'
import { EnvironmentError } from '../../core/errors.ts'
import { tempDir } from '../cli/helpers.ts'
import { referenceAssessment, V3 } from '../suites/functional/fake-session.ts'
import { mountTmpfs, tmpfsUnavailable } from './tmpfs.ts'

/** A journal of `decide` units, in `dir`, with `again` more lines for the first unit. */
async function journalOf(decide: number, dir?: string, again = 0) {
  const edition = loadEdition(V3)
  const plan = buildPlan(edition, await referenceAssessment(), { groups: ['5.3-2', '5.3-8'] })
  const file = join(dir ?? (await tempDir('journal')), 'journal.jsonl')
  const journal = RunJournal.create(file, plan, {
    standard: edition.id,
    standardTitle: edition.title,
    dut: 'TS701-REF-1',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    conceptualOnly: false,
    findings: [],
    attacks: [],
    files: [],
  })
  const planned = plan.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const decided = planned.slice(0, decide)
  for (const p of decided) journal.unit(unitName(p), { ...undecided(p, 'x'), verdict: 'PASS', reason: 'seen', source: 'rule' })
  for (let i = 0; i < again; i++) journal.unit(unitName(planned[0]!), undecided(planned[0]!, `attempt ${i}`))
  journal.close()
  return { file, planned, decided, journal }
}

describe('the run journal', () => {
  it('rebuilds every planned unit: the decided ones as journaled, the rest INCONCLUSIVE', async () => {
    const { file, planned, decided } = await journalOf(3)
    const r = resultsFromJournal(file, loadEdition)
    const units = r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    expect(units).toHaveLength(planned.length)
    expect(units.filter((u) => u.verdict === 'PASS')).toHaveLength(decided.length)
    expect(units.filter((u) => u.verdict === 'INCONCLUSIVE').every((u) => /run ended before this unit was decided/.test(u.reason))).toBe(
      true,
    )
    expect(r.interrupted).toBeDefined()
  })

  it('leaves out a last line the crash cut short', async () => {
    const { file } = await journalOf(2)
    appendFileSync(file, '{"unit":"5.3-8-1a","result":{"verd')
    const units = resultsFromJournal(file, loadEdition).groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    expect(units.filter((u) => u.verdict === 'PASS')).toHaveLength(2)
  })

  it('refuses a file that is not a journal', async () => {
    const file = join(await tempDir('journal'), 'journal.jsonl')
    writeFileSync(file, 'hello\n')
    expect(() => resultsFromJournal(file, loadEdition)).toThrow(JournalError)
    writeFileSync(file, '{"journal":7}\n')
    expect(() => resultsFromJournal(file, loadEdition)).toThrow(/not a run journal/)
  })

  describe.skipIf(tmpfsUnavailable !== undefined)(`on a full disk (${tmpfsUnavailable ?? 'a 16 KiB tmpfs'})`, () => {
    it("stops at the first failed write and reports it as the machine's fault, naming the file", async () => {
      const disk = await mountTmpfs('16k')
      try {
        writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(12 * 1024))
        // More lines than the one free page holds: a unit line is a few hundred bytes.
        const { file, journal } = await journalOf(0, disk.dir, 100)
        const failure = captured(() => journal.check())
        expect(failure).toBeInstanceOf(EnvironmentError)
        expect((failure as EnvironmentError).message).toMatch(/journal\.jsonl: no space left on the device/)
        // What was written before the disk filled still rebuilds.
        expect(() => resultsFromJournal(file, loadEdition)).not.toThrow()
      } finally {
        await disk.unmount()
      }
    })
  })
})

function captured(f: () => void): unknown {
  try {
    f()
  } catch (err) {
    return err
  }
  return undefined
}
