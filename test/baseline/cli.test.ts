// A rig's CI with a baseline, end to end through the real executable: green on known failures,
// red on a new one, stale entries named (and failing under --strict-baseline), `ts701 baseline`
// round-tripping, and a baseline that cannot be used refused in one line before the run starts.
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSeq, parse, type Document } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import { EXAMPLE } from '../helpers.ts'
import { exampleCopy, tempDir, ts701, type CliResult } from '../cli/helpers.ts'
import { validate, xpath } from '../reports/xmllint.ts'

const XSD = 'test/xsd/junit.xsd'
const SLOW = { timeout: 180_000 }

/** The reference assessment with two failures a rig lives with: the designation only on a physical interface, and an open assessor question. */
const knownFlaws = {
  ixit: (doc: Document) => doc.setIn(['2-UserInfo', 0, 'facts', 'designationMedia'], doc.createNode(['physical-interface'])),
  decisions: (doc: Document) => {
    const decisions = doc.get('decisions')
    if (!isSeq(decisions)) throw new Error('decisions.yaml has no list of decisions')
    const at = decisions.items.findIndex((d) => JSON.stringify(d).includes('UpdProc-1'))
    if (at < 0) throw new Error('no decision for UpdProc-1 to take out')
    decisions.items.splice(at, 1)
  },
}

/** Every folder the tests make, removed at the end. */
const made: string[] = []
const scratch = async (prefix: string): Promise<string> => {
  const d = await tempDir(prefix)
  made.push(d)
  return d
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })))
})

interface Run extends CliResult {
  out: string
  results?: RunResults
}

async function conceptualRun(assessment: string, ...extra: string[]): Promise<Run> {
  const out = join(await scratch('baseline-run'), 'out')
  const r = ts701(['run', '--assessment', assessment, '--conceptual-only', '--out', out, ...extra])
  const file = join(out, 'results.json')
  return { ...r, out, ...(existsSync(file) && { results: JSON.parse(await readFile(file, 'utf8')) as RunResults }) }
}

const unitsOf = (r: RunResults): UnitResult[] => r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
const unit = (r: Run, id: string): UnitResult => unitsOf(r.results!).find((u) => u.id === id)!

/** One line on stderr, the way main prints a usage or document problem, and no stack trace. */
function oneLineError(r: CliResult): string {
  expect(r.code).toBe(3)
  const lines = r.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^ts701: /)
  expect(r.stderr).not.toMatch(/\n\s+at /)
  return lines[0]!
}

describe('a rig with a baseline (ts701 run --baseline, ts701 baseline)', () => {
  let flawed: string
  let worse: string
  let dir: string
  let baseline: string
  let first: Run

  beforeAll(async () => {
    flawed = await exampleCopy(knownFlaws)
    worse = await exampleCopy({
      ...knownFlaws,
      ixit: (doc) => {
        knownFlaws.ixit(doc)
        doc.setIn(['4-Conf', 0, 'confirmed'], false)
      },
    })
    made.push(flawed, worse)
    dir = await scratch('baseline-cli')
    baseline = join(dir, 'baseline.yaml')
  })

  it('without a baseline, the rig run fails: the failures are real', SLOW, async () => {
    first = await conceptualRun(flawed)
    expect(first.code).toBe(1)
    expect(unit(first, '5.3-16-1a').verdict).toBe('FAIL')
    expect(unit(first, '5.3-8-1a').verdict).toBe('INCONCLUSIVE')
  })

  it('ts701 baseline without --ticket writes placeholders, and says they must be filled in', () => {
    const r = ts701(['baseline', first.out, '--out', baseline])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`baseline of 2 unit(s) (1 FAIL, 1 INCONCLUSIVE) written to ${baseline}`)
    expect(r.stdout).toContain('every entry has the ticket TICKET-TO-FILL-IN')
  })

  it('a run refuses the placeholder baseline in one line before it starts: exit 3, no run folder', SLOW, async () => {
    const r = await conceptualRun(flawed, '--baseline', baseline)
    const line = oneLineError(r)
    expect(line).toMatch(new RegExp(`^ts701: ${baseline}:\\d+:\\d+: error: /units/0/ticket: .*placeholder TICKET-TO-FILL-IN`))
    expect(existsSync(r.out)).toBe(false)
  })

  it('ts701 baseline does not overwrite without --force', async () => {
    const before = await readFile(baseline, 'utf8')
    const line = oneLineError(ts701(['baseline', first.out, '--out', baseline, '--ticket', 'RIG-7']))
    expect(line).toBe(`ts701: ${baseline} exists; add --force to replace it, or give another --out`)
    expect(await readFile(baseline, 'utf8')).toBe(before)
    expect(ts701(['baseline', first.out, '--out', baseline, '--ticket', 'RIG-7', '--force']).code).toBe(0)
    expect(await readFile(baseline, 'utf8')).toContain('ticket: RIG-7')
  })

  it('with the baseline, the same failures leave the run green; the results keep the true verdicts', SLOW, async () => {
    const r = await conceptualRun(flawed, '--baseline', baseline)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`2 known failures (baseline), 0 stale entries — ${baseline}`)
    expect(unit(r, '5.3-16-1a')).toMatchObject({ verdict: 'FAIL', baseline: { status: 'known', expected: 'FAIL', ticket: 'RIG-7' } })
    expect(unit(r, '5.3-8-1a')).toMatchObject({ verdict: 'INCONCLUSIVE', baseline: { status: 'known', ticket: 'RIG-7' } })
    expect(r.results!.baseline).toMatchObject({ file: baseline, known: 2, stale: [], changed: 0, strict: false })

    const junit = join(r.out, 'junit.xml')
    expect(validate(junit, XSD)).toMatchObject({ valid: true })
    const tc = '//testcase[@name="5.3-16-1a [UserInfo-1]"]'
    expect(xpath(junit, `string(${tc}/skipped/@message)`)).toMatch(/^known failure \(RIG-7\): UserInfo-1: /)
    expect(xpath(junit, `string(${tc}/properties/property[@name="verdict"]/@value)`)).toBe('FAIL')
    expect(xpath(junit, 'string(/testsuites/@failures)')).toBe('0')
    expect(await readFile(join(r.out, 'report.html'), 'utf8')).toContain('known (baseline) · RIG-7')
  })

  it('a new failure the baseline does not list turns the run red', SLOW, async () => {
    const r = await conceptualRun(worse, '--baseline', baseline)
    expect(r.code).toBe(1)
    expect(unit(r, '5.3-8-1b')).toMatchObject({ verdict: 'FAIL' })
    expect(unit(r, '5.3-8-1b').baseline).toBeUndefined()
    expect(r.results!.baseline?.known).toBe(2)
  })

  it('entries whose units pass again are named as stale; the run stays green', SLOW, async () => {
    const r = await conceptualRun(EXAMPLE, '--baseline', baseline)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('0 known failures (baseline), 2 stale entries')
    expect(r.stdout).toContain('stale: 5.3-16-1a [UserInfo-1] (RIG-7) expected FAIL, now PASS: remove the entry')
    expect(r.stdout).toContain('stale: 5.3-8-1a [UpdProc-1] (RIG-7) expected INCONCLUSIVE, now PASS: remove the entry')
    expect(r.results!.baseline?.stale.map((e) => e.unit)).toEqual(['5.3-8-1a', '5.3-16-1a'])
  })

  it('--strict-baseline makes a stale entry fail the run, in the exit code and in JUnit', SLOW, async () => {
    const r = await conceptualRun(EXAMPLE, '--baseline', baseline, '--strict-baseline')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('--strict-baseline: the stale entries below fail the run')
    const junit = join(r.out, 'junit.xml')
    expect(validate(junit, XSD)).toMatchObject({ valid: true })
    expect(xpath(junit, 'count(//testcase[starts-with(@name, "stale: ")]/failure[@type="STALE"])')).toBe('2')
  })

  it('a malformed baseline is one line with its place, exit 3, before anything runs', SLOW, async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, (await readFile(baseline, 'utf8')).replace('expected: FAIL', 'expected: PASS'))
    const r = await conceptualRun(flawed, '--baseline', bad)
    expect(oneLineError(r)).toMatch(
      new RegExp(`^ts701: ${bad}:\\d+:\\d+: error: /units/1/expected: expected one of "FAIL", "INCONCLUSIVE", found "PASS"$`),
    )
    expect(existsSync(r.out)).toBe(false)

    await writeFile(bad, 'standard: [unclosed\n')
    expect(oneLineError(await conceptualRun(flawed, '--baseline', bad))).toMatch(/error: invalid YAML/)
    expect(oneLineError(await conceptualRun(flawed, '--baseline', join(dir, 'missing.yaml')))).toMatch(/cannot read file/)
  })

  it('--strict-baseline alone is a usage error', SLOW, async () => {
    expect(oneLineError(await conceptualRun(flawed, '--strict-baseline'))).toBe(
      'ts701: --strict-baseline applies to a baseline: give --baseline <file> too',
    )
  })

  it('ts701 baseline --out - prints the YAML alone on stdout; a missing run is one line', () => {
    const r = ts701(['baseline', first.out, '--out', '-', '--ticket', 'RIG-8'])
    expect(r.code).toBe(0)
    expect(parse(r.stdout)).toMatchObject({ standard: 'en303645-v3.1.3', units: [{ unit: '5.3-8-1a' }, { unit: '5.3-16-1a' }] })
    expect(r.stderr).toContain('written to stdout')
    expect(oneLineError(ts701(['baseline', join(dir, 'no-such-run')]))).toBe(`ts701: ${join(dir, 'no-such-run')}: no such file or folder`)
  })
})
