// The reports of a run compared with a baseline: JUnit shows known failures as skipped with the
// ticket (and stays valid against the JUnit schema), stale entries as a suite of their own that
// fails under --strict-baseline; the summary and report.html name the counts and the entries.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyBaseline } from '../../baseline/apply.ts'
import type { RunResults } from '../../core/verdict.ts'
import { renderReport, renderSummary, writeJunit } from '../../reports/index.ts'
import { tempDir } from '../cli/helpers.ts'
import { reportedUnits, validateHtml } from '../reports/html-checks.ts'
import { requireXmllint, validate, xpath } from '../reports/xmllint.ts'
import { baselineOf, entry, FULL, rigRun } from './fixture.ts'

const SCHEMA = fileURLToPath(new URL('../xsd/junit.xsd', import.meta.url))

/** FULL, but 5.3-7-1d expected FAIL (it is INCONCLUSIVE), and a stale entry for 5.3-7-1a. */
const ENTRIES = [
  ...FULL.filter((e) => e.unit !== '5.3-7-1d'),
  entry('5.3-7-1d', 'FAIL', { ticket: 'RIG-4' }),
  entry('5.3-7-1a', 'FAIL', { ticket: 'RIG-9', reason: 'weak "key" <until> & 2.4' }),
]

const results = (strict: boolean): RunResults => applyBaseline(rigRun(), baselineOf(ENTRIES), { strict })

let dir: string
const files: Record<'lenient' | 'strict', string> = { lenient: '', strict: '' }

beforeAll(async () => {
  dir = await tempDir('baseline-junit')
  files.lenient = join(dir, 'lenient.xml')
  files.strict = join(dir, 'strict.xml')
  await writeJunit(results(false), files.lenient)
  await writeJunit(results(true), files.strict)
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const at = (which: keyof typeof files, expression: string): string => xpath(files[which], expression)
const testcase = (name: string): string => `//testcase[@name="${name}"]`
const property = (tc: string, name: string): string => `string(${tc}/properties/property[@name="${name}"]/@value)`

describe('JUnit with a baseline', () => {
  it('has xmllint to read it (install libxml2-utils if this fails)', () => {
    requireXmllint()
  })

  it('validates against the JUnit schema, lenient and strict', () => {
    for (const file of Object.values(files)) {
      const { valid, output } = validate(file, SCHEMA)
      expect(output).toContain('validates')
      expect(valid).toBe(true)
    }
  })

  it('shows a known failure as skipped, with the ticket and the reason, and its true verdict in the properties', () => {
    const tc = testcase('5.3-7-1b')
    expect(at('lenient', `count(${tc}/failure)`)).toBe('0')
    expect(at('lenient', `string(${tc}/skipped/@message)`)).toBe('known failure (RIG-1): accepted until the next firmware (5.3-7-1b)')
    expect(at('lenient', property(tc, 'verdict'))).toBe('FAIL')
    expect(at('lenient', property(tc, 'baseline'))).toBe('known')
    expect(at('lenient', property(tc, 'baseline-ticket'))).toBe('RIG-1')
    expect(at('lenient', `string(${tc}/system-out)`)).toMatch(
      /^VERDICT: FAIL — 5\.3-7-1b is FAIL\n[\s\S]*\nbaseline: known FAIL, not failing the run \(RIG-1: /,
    )
  })

  it('shows a known INCONCLUSIVE as skipped, saying so', () => {
    const tc = testcase('5.3-7-1c [UpdMech-2]')
    expect(at('lenient', `count(${tc}/error)`)).toBe('0')
    expect(at('lenient', `string(${tc}/skipped/@message)`)).toMatch(/^known inconclusive \(RIG-2\): /)
    expect(at('lenient', property(tc, 'verdict'))).toBe('INCONCLUSIVE')
  })

  it('keeps a listed unit with another verdict than expected as it was, marked changed', () => {
    const tc = testcase('5.3-7-1d')
    expect(at('lenient', `string(${tc}/error/@type)`)).toBe('INCONCLUSIVE')
    expect(at('lenient', `count(${tc}/skipped)`)).toBe('0')
    expect(at('lenient', property(tc, 'baseline'))).toBe('changed')
    expect(at('lenient', `string(${tc}/system-out)`)).toContain('baseline: listed as FAIL, now INCONCLUSIVE: not a known failure (RIG-4: ')
  })

  it('counts known failures as skipped, not failed, in the group suite', () => {
    const suite = '/testsuites/testsuite[1]'
    expect(at('lenient', `string(${suite}/@failures)`)).toBe('0')
    expect(at('lenient', `string(${suite}/@errors)`)).toBe('1')
    expect(at('lenient', `string(${suite}/@skipped)`)).toBe('3')
  })

  it('adds a baseline suite with the counts, and one case per stale entry, passing unless strict', () => {
    const suite = '/testsuites/testsuite[2]'
    expect(at('lenient', `string(${suite}/@name)`)).toBe('baseline rig/baseline.yaml')
    expect(at('lenient', property(suite, 'baseline-known'))).toBe('3')
    expect(at('lenient', property(suite, 'baseline-stale'))).toBe('1')
    expect(at('lenient', property(suite, 'baseline-changed'))).toBe('1')
    expect(at('lenient', property(suite, 'baseline-strict'))).toBe('false')
    const stale = testcase('stale: 5.3-7-1a')
    expect(at('lenient', `count(${stale}/failure)`)).toBe('0')
    expect(at('lenient', `string(${stale}/system-out)`)).toContain('baseline entry 5.3-7-1a (RIG-9) expects FAIL, now PASS: remove it')
    expect(at('strict', `string(${stale}/failure/@type)`)).toBe('STALE')
    expect(at('strict', `string(${stale}/failure/@message)`)).toContain('now PASS')
    expect(at('strict', `string(${suite}/@failures)`)).toBe('1')
  })

  it('marks the passing unit of a stale entry, without failing it', () => {
    const tc = testcase('5.3-7-1a')
    expect(at('strict', property(tc, 'baseline'))).toBe('stale')
    expect(at('strict', `count(${tc}/failure)`)).toBe('0')
  })

  it('is unchanged without a baseline: no baseline suite, no baseline properties', async () => {
    const plain = join(dir, 'plain.xml')
    await writeJunit(rigRun(), plain)
    expect(xpath(plain, 'count(//testsuite[starts-with(@name, "baseline")])')).toBe('0')
    expect(xpath(plain, 'count(//property[starts-with(@name, "baseline")])')).toBe('0')
    expect(xpath(plain, `string(${testcase('5.3-7-1b')}/failure/@type)`)).toBe('FAIL')
  })
})

describe('terminal summary with a baseline', () => {
  it('gives the counts after the total, then names stale entries and units not as expected', () => {
    const lines = renderSummary(results(false)).split('\n')
    const total = lines.findIndex((l) => l.startsWith('total '))
    expect(lines.slice(total + 1)).toEqual([
      '3 known failures (baseline), 1 stale entry, 1 listed unit not as expected — rig/baseline.yaml',
      'stale: 5.3-7-1a (RIG-9) expected FAIL, now PASS: remove the entry',
      'not as expected: 5.3-7-1d is INCONCLUSIVE, the baseline expects FAIL (RIG-4)',
    ])
  })

  it('says when stale entries fail the run', () => {
    const lines = renderSummary(results(true)).split('\n')
    expect(lines.slice(-3, -1)).toEqual([
      '--strict-baseline: the stale entries below fail the run',
      expect.stringMatching(/^stale: 5\.3-7-1a /),
    ])
    expect(renderSummary(results(false))).not.toContain('--strict-baseline')
  })

  it('says nothing of a baseline when there is none', () => {
    expect(renderSummary(rigRun())).not.toMatch(/baseline|stale/)
  })
})

describe('report.html with a baseline', () => {
  const page = renderReport({ results: results(true), evidence: new Map() })

  it('is valid HTML and still shows every unit with its true verdict', async () => {
    expect(await validateHtml(page)).toEqual([])
    expect(reportedUnits(page)).toContainEqual({ unit: '5.3-7-1b', verdict: 'FAIL' })
  })

  it('tags each covered unit: known, stale, not as expected, with the ticket', () => {
    const article = (name: string) =>
      page.match(new RegExp(`<article [^>]*data-unit="${name.replace(/[[\]]/g, '\\$&')}"[\\s\\S]*?</article>`))?.[0] ?? ''
    expect(article('5.3-7-1b')).toMatch(/<span class="tag baseline known"[^>]*>known \(baseline\) · RIG-1<\/span>/)
    expect(article('5.3-7-1a')).toMatch(/<span class="tag baseline stale"[^>]*>stale \(baseline\) · RIG-9<\/span>/)
    expect(article('5.3-7-1d')).toMatch(/<span class="tag baseline changed"[^>]*>not as expected \(baseline\) · RIG-4<\/span>/)
    expect(article('5.3-7-1c [UpdMech-3]')).not.toContain('tag baseline')
  })

  it('has a baseline section with the counts and the stale entry, escaped', () => {
    const section = page.match(/<section id="baseline">[\s\S]*?<\/section>/)?.[0] ?? ''
    expect(section).toMatch(/3 known failures<\/strong>,\s*<strong class="baseline-stale">1 stale entry<\/strong>/)
    expect(section).toContain('weak &#34;key&#34; &#60;until&#62; &#38; 2.4')
    expect(section).toContain('Under --strict-baseline a stale entry fails the run.')
    expect(page).toContain('<a href="#baseline">')
  })

  it('has no baseline section without a baseline', () => {
    expect(renderReport({ results: rigRun(), evidence: new Map() })).not.toContain('id="baseline"')
  })
})
