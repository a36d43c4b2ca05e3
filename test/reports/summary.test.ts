import { describe, expect, it } from 'vitest'
import { renderSummary } from '../../reports/index.ts'
import { sampleResults } from './fixture.ts'

describe('terminal summary (renderSummary)', () => {
  const summary = renderSummary(sampleResults())
  const lines = summary.split('\n')

  it('starts with the edition and the DUT', () => {
    expect(lines[0]).toBe('EN 303 645 V3.1.3 / TS 103 701 V2.1.1 — DUT: Wärmepumpe "Kühl & Co" <WP-7>')
  })

  it('has one line per group: id, group verdict, status, unit counts (pass fail inc n/a), title', () => {
    expect(lines).toContain('5.3-1   PASS           R             2    0    0    0  Mechanism to update software securely')
    expect(lines).toContain('5.3-7   FAIL           M C(12)       1    1    1    0  Best-practice cryptography for updates')
    expect(lines).toContain('5.3-8   INCONCLUSIVE   M C(12)       1    0    1    0  Security updates are timely')
    expect(lines).toContain('5.3-16  NOT APPLICABLE M C(9)        0    0    0    2  Model designation recognisable')
  })

  it('ends with a total line over all groups and units', () => {
    expect(lines.at(-1)).toBe('total   4 groups                     4    1    2    2  9 units')
  })

  it('fits in 100 columns, truncating long titles with an ellipsis', () => {
    const results = sampleResults()
    results.groups[1]!.title = `Best-practice cryptography ${'for updates '.repeat(10)}`
    const long = renderSummary(results).split('\n')
    for (const line of long) expect([...line].length).toBeLessThanOrEqual(100)
    expect(long.find((l) => l.startsWith('5.3-7 '))!.endsWith('…')).toBe(true)
  })

  it('keeps document text from breaking lines or sending terminal escapes', () => {
    const results = sampleResults()
    results.dut = 'Evil\nDUT\u001b[31m'
    results.groups[0]!.title = 'Two\nlines'
    const text = renderSummary(results)
    expect(text).not.toContain('\u001b')
    expect(text.split('\n')).toHaveLength(lines.length)
    expect(text).toContain('Two lines')
  })

  it('says when only conceptual cases were run', () => {
    expect(renderSummary({ ...sampleResults(), conceptualOnly: true }).split('\n')[0]).toMatch(/\(conceptual only\)$/)
  })
})
