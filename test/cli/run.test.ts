import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import type { RunResults } from '../../core/verdict.ts'
import { validate, xpath } from '../reports/xmllint.ts'
import { EDITIONS, EXAMPLE } from '../helpers.ts'
import { exampleCopy, tempDir, ts701 } from './helpers.ts'

const XSD = 'test/xsd/junit.xsd'

async function conceptualRun(assessment: string, extra: string[] = []) {
  const out = await tempDir('out')
  const r = ts701(['run', '--assessment', assessment, '--conceptual-only', '--out', out, ...extra])
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  return { ...r, out, junit: join(out, 'junit.xml'), results }
}

describe.each(EDITIONS)('ts701 run --conceptual-only on the reference assessment (%s)', (standard) => {
  const run = conceptualRun(EXAMPLE, ['--standard', standard])

  // The first test awaits the whole run (a CLI that starts its own vitest): on a loaded machine that
  // was seen to take longer than the default minute.
  it('exits 0: no FAIL, and the assessor decided every judgement unit', { timeout: 180_000 }, async () => {
    const { code, stdout } = await run
    expect(code).toBe(0)
    expect(stdout).toContain(`${loadEdition(standard).title} — DUT: TS701-REF-1 (conceptual only)`)
  })

  it('lists the reports it wrote, and no device side: no identity, attacks or evidence', async () => {
    const { stdout, out, results } = await run
    const lines = stdout.trim().split('\n')
    expect(lines.at(-2)).toBe(`reports written to ${out}/ (junit.xml, report.html, results.json)`)
    expect(lines.at(-1)).toBe(`report: ${join(out, 'report.html')}`)
    expect(results.files).toEqual([
      { path: 'junit.xml', kind: 'junit' },
      { path: 'report.html', kind: 'report' },
      { path: 'results.json', kind: 'results' },
    ])
    expect(results.observedDut).toBeUndefined()
    expect(results.attacks).toEqual([])
  })

  it('quotes the IXIT fields a unit read from its own entry, as the supplier wrote them', async () => {
    const { results } = await run
    const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    const crypto = units.find((u) => u.id === '5.3-7-1c' && u.target === 'UpdMech-Network')!
    const quoted = crypto.quotes?.find((q) => q.field === '7-UpdMech.cryptographicDetails')
    expect(quoted).toMatchObject({ entry: 'UpdMech-Network', text: expect.stringMatching(/^Image signature: ECDSA over NIST P-256/) })
    // Not applicable units read nothing to quote.
    expect(units.filter((u) => u.verdict === 'NOT APPLICABLE').every((u) => u.quotes === undefined)).toBe(true)
  })

  it('writes a junit.xml that validates against the JUnit schema', async () => {
    const { junit } = await run
    const check = validate(junit, XSD)
    expect(check.output).toMatch(/validates/)
    expect(check.valid).toBe(true)
  })

  it('has a test case for every conceptual unit of the edition, named by unit and target', async () => {
    const { junit } = await run
    const xml = await readFile(junit, 'utf8')
    const names = [...xml.matchAll(/<testcase [^>]*\bname="([^"]*)"/g)].map((m) => m[1]!)
    const conceptual = loadEdition(standard)
      .groups.flatMap((g) => g.cases.flatMap((c) => c.units))
      .filter((u) => u.kind === 'conceptual')
      .map((u) => u.id)
    for (const id of conceptual) {
      expect(
        names.some((n) => n === id || n.startsWith(`${id} [`)),
        id,
      ).toBe(true)
    }
    expect(names.every((n) => conceptual.includes(n.split(' ')[0]!))).toBe(true)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toContain('5.3-7-1c [UpdMech-Network]')
  })

  it('skips not-applicable units with their reason, and marks assessor verdicts', async () => {
    const { results, junit } = await run
    expect(results.standard).toBe(standard)
    const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    const assessor = units.filter((u) => u.source === 'assessor')
    expect(assessor.length).toBeGreaterThan(5)
    expect(assessor.every((u) => u.assessor?.name === 'R. Example (example laboratory)')).toBe(true)
    const skipped = Number(xpath(junit, 'count(//testcase/skipped)'))
    expect(skipped).toBe(units.filter((u) => u.verdict === 'NOT APPLICABLE').length)
    if (skipped > 0) expect(xpath(junit, 'string((//testcase/skipped)[1]/@message)')).toMatch(/does not hold/)
  })
})

// Each test runs the CLI to its end (up to the helper's two-minute kill), and a run starts its own
// vitest: beside the rest of the suite, one has taken over a minute.
describe('ts701 run exit codes', { timeout: 180_000 }, () => {
  it('exits 1 on a FAIL and reports it as a JUnit failure with the reason', async () => {
    const dir = await exampleCopy({
      ixit: (doc) => {
        doc.setIn(['7-UpdMech', 0, 'facts', 'signature', 'hash'], 'SHA-1')
      },
    })
    const { code, junit, results } = await conceptualRun(dir)
    expect(code).toBe(1)
    expect(results.groups.find((g) => g.id === '5.3-7')!.verdict).toBe('FAIL')
    expect(xpath(junit, 'string(//testcase[@name="5.3-7-1c [UpdMech-Network]"]/failure/@message)')).toMatch(/not best practice: hash SHA-1/)
    expect(xpath(junit, 'string(//testcase[@name="5.3-7-1c [UpdMech-Network]"]/system-out)')).toMatch(/^VERDICT: FAIL — /)
  })

  it('exits 2 when judgement units remain open, reporting them as JUnit errors', async () => {
    const dir = await exampleCopy({
      decisions: (doc) => {
        doc.setIn(['decisions'], doc.createNode([]))
      },
    })
    const { code, junit } = await conceptualRun(dir)
    expect(code).toBe(2)
    expect(xpath(junit, 'string(//testcase[@name="5.3-8-1a [UpdProc-1]"]/error/@message)')).toMatch(/^assessor review: /)
  })

  it('exits 3 on invalid documents, printing one line per problem and writing no report', async () => {
    const out = await tempDir('out')
    const r = ts701(['run', '--assessment', 'examples/broken', '--conceptual-only', '--out', out])
    expect(r.code).toBe(3)
    expect(
      r.stderr
        .trim()
        .split('\n')
        .slice(0, -1)
        .every((l) => /^examples\/broken\/\S+:\d+:\d+: error: /.test(l)),
    ).toBe(true)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('runs only the selected groups', async () => {
    const { code, results } = await conceptualRun(EXAMPLE, ['--group', '5.3-7', '--group', '5.3-9'])
    expect(code).toBe(0)
    expect(results.groups.map((g) => g.id)).toEqual(['5.3-7', '5.3-9'])
  })

  it('assesses the bundled reference DUT when no DUT profile is given, and FAILs a flawed one', async () => {
    const run = async (extra: string[]) => {
      const out = await tempDir('out')
      const r = ts701(['run', '--assessment', EXAMPLE, '--group', '5.3-16', '--out', out, ...extra])
      const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
      return {
        ...r,
        out,
        results,
        unit: results.groups[0]!.cases.find((c) => c.kind === 'functional')!.units.find((u) => u.id === '5.3-16-2b')!,
      }
    }
    const conformant = await run([])
    expect(conformant.code).toBe(0)
    expect(conformant.unit).toMatchObject({
      id: '5.3-16-2b',
      verdict: 'PASS',
      source: 'observed',
      reason: 'the DUT reports "TS701-REF-1", as the IXIT states',
    })
    expect(conformant.unit.evidence?.length).toBeGreaterThan(0)
    expect(conformant.unit.durationMs).toEqual(expect.any(Number))
    expect(conformant.results.observedDut).toEqual({ model: 'TS701-REF-1', version: expect.any(String), source: 'the identify operation' })
    expect(conformant.results.files.map((f) => f.path)).toEqual(['evidence/exchanges.jsonl', 'junit.xml', 'report.html', 'results.json'])
    expect(conformant.stdout.trim().split('\n').at(-2)).toBe(
      `reports written to ${conformant.out}/ (junit.xml, report.html, results.json, evidence/)`,
    )
    expect(conformant.stdout.trim().split('\n').at(-1)).toBe(`report: ${join(conformant.out, 'report.html')}`)
    const flawed = await run(['--flaw', 'wrong-model'])
    expect(flawed.code).toBe(1)
    expect(flawed.unit).toMatchObject({ verdict: 'FAIL', reason: 'the DUT reports "TS701-REF-2", the IXIT states "TS701-REF-1"' })
    expect(flawed.results.observedDut?.model).toBe('TS701-REF-2')
  })

  it('refuses a channel the chosen mode does not run over, --mode or --time-scale with --dut, and a clock that is no positive number, before starting anything', async () => {
    const wrong = ts701(['run', '--assessment', EXAMPLE, '--mode', 'pull', '--channel', 'http'])
    expect(wrong.code).toBe(3)
    expect(wrong.stderr).toMatch(/--mode pull runs over its own channel; leave out --channel http/)
    const dut = ts701(['run', '--assessment', EXAMPLE, '--mode', 'console', '--dut', 'x.yaml'])
    expect(dut.code).toBe(3)
    expect(dut.stderr).toMatch(/--flaw, --channel and --mode choose how the bundled reference DUT runs/)
    const clock = ts701(['run', '--assessment', EXAMPLE, '--time-scale', '86400', '--dut', 'x.yaml'])
    expect(clock.code).toBe(3)
    expect(clock.stderr).toMatch(/--time-scale sets the bundled reference DUT's clock; a device of your own \(--dut\) keeps its own time/)
    for (const bad of ['0', '-5', 'fast', '']) {
      const r = ts701(['run', '--assessment', EXAMPLE, '--time-scale', bad])
      expect(r.code, bad).toBe(3)
      expect(r.stderr, bad).toMatch(/--time-scale <n>.*expected a positive number/)
    }
  })

  it('runs the bundled reference DUT on the clock --time-scale sets, and judges its checks on that clock', async () => {
    const out = await tempDir('out')
    const r = ts701(['run', '--assessment', EXAMPLE, '--group', '5.3-5', '--time-scale', '172800', '--out', out])
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.source === 'observed')
    expect(units.map((u) => `${u.id} ${u.verdict}`)).toEqual(['5.3-5-2a PASS', '5.3-5-2c PASS'])
    const evidence = (await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')).trim().split('\n')
    const timeline = evidence
      .map((l) => JSON.parse(l) as { detail?: { event?: string; timeScale?: number; windowSeconds?: number } })
      .find((e) => e.detail?.event === 'check-timeline')
    // A device day in half a second: the window of two seconds still covers three device days.
    expect(timeline?.detail).toMatchObject({ timeScale: 172_800, windowSeconds: 2 * 172_800 })
    expect(r.code).toBe(0)
  }, 120_000)

  it('assesses the bundled reference DUT in a mode without an API, its baseline read from what it reported', async () => {
    const out = await tempDir('out')
    const r = ts701(['run', '--assessment', EXAMPLE, '--group', '5.3-16', '--mode', 'pull', '--out', out])
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(r.stdout).toMatch(/^reference DUT in mode pull \(no lab API\)/m)
    const unit = results.groups[0]!.cases.find((c) => c.kind === 'functional')!.units[0]!
    expect(unit).toMatchObject({ id: '5.3-16-2a', verdict: 'PASS' })
    expect(results.observedDut).toEqual({ version: '1.0.0', source: expect.stringMatching(/^the update server/) })
    expect(r.code).toBe(0)
  }, 120_000)
})
