// The HTML report as a document: valid HTML (html-validate's recommended rules), every unit of the
// results with its verdict, nothing that reaches outside the file, and nothing a document or a
// device says turned into markup.
import { describe, expect, it } from 'vitest'
import type { RecordedEntry } from '../../core/evidence.ts'
import type { RunResults } from '../../core/verdict.ts'
import { renderReport } from '../../reports/html/index.ts'
import { AWKWARD_FAIL, sampleResults } from './fixture.ts'
import { reportedUnits, validateHtml } from './html-checks.ts'

const timelineEntry = (id: string, checksAt: number[]): RecordedEntry => ({
  id,
  time: '2025-11-26T09:18:00.000Z',
  channel: 'harness',
  summary: `5.3-5: ${checksAt.length} update check(s)`,
  detail: { event: 'check-timeline', back: 'the identify operation', checksAt, windowSeconds: 259_200, timeScale: 43_200 },
})

function withTimeline(r: RunResults): RunResults {
  return {
    ...r,
    groups: [
      ...r.groups,
      {
        id: '5.3-5',
        provision: '5.3-5',
        status: 'RF(g)',
        title: 'Checks for updates',
        verdict: 'PASS',
        cases: [
          {
            id: '5.3-5-2',
            kind: 'functional',
            origin: 'ts701',
            verdict: 'PASS',
            units: [
              {
                id: '5.3-5-2a',
                target: 'UpdMech-1',
                origin: 'ts701',
                verdict: 'PASS',
                reason: 'first check 1.0 h after the device was back',
                source: 'observed',
                reads: ['7-UpdMech.updateChecking'],
                quotes: [{ entry: 'UpdMech-1', field: '7-UpdMech.updateChecking', text: 'Checks <daily> after boot & then every day.' }],
                evidence: ['E000001', 'E000002', 'E000404'],
              },
            ],
          },
        ],
      },
    ],
  }
}

describe('report.html', () => {
  const results = withTimeline(sampleResults())
  const evidence = new Map<string, RecordedEntry>([
    ['E000001', timelineEntry('E000001', [3600, 90_000, 176_400])],
    [
      'E000002',
      {
        id: 'E000002',
        time: '2025-11-26T09:18:00.500Z',
        channel: 'harness',
        summary: '5.3-5: UpdMech-1 declares an update check every P1D',
        detail: { event: 'check-period-claim', mechanism: 'UpdMech-1', period: 'P1D', seconds: 86_400 },
      },
    ],
  ])
  const page = renderReport({ results, evidence })

  it('is valid HTML by the recommended rules', async () => {
    expect(await validateHtml(page)).toEqual([])
  })

  it('holds every unit of the results with the same verdict', () => {
    const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
    expect(reportedUnits(page)).toEqual(
      units.map((u) => ({ unit: `${u.id}${u.target ? ` [${u.target}]` : ''}${u.variant ? ` ${u.variant}` : ''}`, verdict: u.verdict })),
    )
  })

  it('escapes what documents and devices say, and fetches nothing from outside', () => {
    expect(page).not.toContain('<deprecated>')
    expect(page).toContain('&#60;deprecated&#62;')
    expect(page).toContain(results.dut.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`))
    expect(page).not.toMatch(/<script|<link|<img|<iframe|src=|url\(/i)
    expect(page).not.toMatch(/href="(?!#)/)
    expect(AWKWARD_FAIL).toContain('<deprecated>')
  })

  it('keeps a hostile DUT name inside the running header and the title', async () => {
    const hostile = renderReport({ results: { ...results, dut: 'X"; } </style><script>alert(1)</script>' }, evidence })
    expect(hostile).not.toContain('<script>')
    expect(hostile.match(/<\/style>/g)).toHaveLength(1)
    expect(await validateHtml(hostile)).toEqual([])
  })

  it('draws 5.3-5 as a timeline of the checks against the declared period, and names evidence it cannot find', () => {
    const figure = /<figure class="timeline">[\s\S]*?<\/figure>/.exec(page)?.[0] ?? ''
    expect(figure.match(/<circle /g)).toHaveLength(3)
    // P1D over three days: the checks expected at 1, 2 and 3 days.
    expect(figure.match(/class="expected"/g)).toHaveLength(3)
    expect(figure).toContain("UpdMech-1's declared period (P1D)")
    expect(page).toMatch(/E000404<\/td>\s*<td colspan="3" class="missing">not in the evidence log/)
  })

  it('lists FAILs before open units, each open one with what would settle it', () => {
    const failed = page.indexOf('<h3>Failed (')
    const open = page.indexOf('<h3>Open (')
    expect(failed).toBeGreaterThan(0)
    expect(open).toBeGreaterThan(failed)
    const openList = page.slice(open, page.indexOf('</section>', open))
    const items = openList.match(/<li class="inc">/g) ?? []
    expect(items.length).toBeGreaterThan(0)
    expect(openList.match(/class="settle">To settle: /g)).toHaveLength(items.length)
  })

  it('quotes the IXIT fields a unit read, beside its verdict', () => {
    expect(page).toMatch(
      /<blockquote class="ixit"><p class="said">Checks &#60;daily&#62; after boot &#38; then every day\.<\/p><p class="from">UpdMech-1, <code>7-UpdMech\.updateChecking<\/code><\/p><\/blockquote>/,
    )
  })
})
