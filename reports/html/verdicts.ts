import type { GroupResult, UnitResult, Verdict } from '../../core/verdict.ts'
import { html, type Markup } from './html.ts'

export const VERDICTS: readonly Verdict[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT APPLICABLE']

const CLASS: Record<Verdict, string> = { PASS: 'pass', FAIL: 'fail', INCONCLUSIVE: 'inc', 'NOT APPLICABLE': 'na' }

export const verdictClass = (v: Verdict): string => CLASS[v]

export function badge(v: Verdict): Markup {
  return html`<span class="badge ${CLASS[v]}">${v}</span>`
}

/** Whether the unit is one ts701 adds beside the standard's: it corroborates and is not counted. */
export const added = (group: GroupResult, u: UnitResult): boolean =>
  group.cases.some((c) => c.units.includes(u) && c.origin === 'ts701') || u.origin === 'ts701'

export function counts(units: readonly UnitResult[]): Record<Verdict, number> {
  const n: Record<Verdict, number> = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0, 'NOT APPLICABLE': 0 }
  for (const u of units) n[u.verdict]++
  return n
}

export const unitsOf = (g: GroupResult): UnitResult[] => g.cases.flatMap((c) => c.units)

export const unitLabel = (u: UnitResult): string =>
  `${u.id}${u.target === undefined ? '' : ` [${u.target}]`}${u.variant === undefined ? '' : ` ${u.variant}`}`

/** Letters, digits, `-` and `_` only: IDs that are also plain CSS selectors. */
const anchor = (text: string) =>
  text
    .replaceAll('.', '_')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+$/, '')

/** A stable anchor for a unit, so the findings list can link to it. */
export const unitAnchor = (u: UnitResult): string => `u-${anchor(unitLabel(u))}`

export const groupAnchor = (g: GroupResult): string => `g-${anchor(g.id)}`
