/**
 * The rig's expected-results baseline in the report: a tag on every unit an entry covers, and a
 * section with the counts, the stale entries and the units that fail otherwise than listed. The
 * verdict badges stay the true verdicts; the baseline only says which failures were expected.
 */
import { resultName, type RunResults, type StaleBaselineEntry, type UnitResult } from '../../core/verdict.ts'
import { html, plainTable, type Markup } from './html.ts'
import { badge, unitAnchor, unitLabel } from './verdicts.ts'

const LABEL: Record<NonNullable<UnitResult['baseline']>['status'], string> = {
  known: 'known',
  changed: 'not as expected',
  stale: 'stale',
}

/** `known · RIG-12`, titled with the baseline's reason; nothing for a unit no entry covers. */
export function baselineTag(u: UnitResult): Markup {
  const b = u.baseline
  if (!b) return html``
  const title = `the baseline expects ${b.expected}: ${b.reason}`
  return html`<span class="tag baseline ${b.status}" title="${title}">${LABEL[b.status]} (baseline) · ${b.ticket}</span>`
}

const entryName = (e: StaleBaselineEntry): string => resultName({ id: e.unit, target: e.target, variant: e.variant })

export function baselineSection(r: RunResults): Markup {
  const b = r.baseline
  if (!b) return html``
  const units = r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const changed = units.filter((u) => u.baseline?.status === 'changed')
  const strict = b.strict ? ' Under --strict-baseline a stale entry fails the run.' : ''
  return html`<section id="baseline">
    <h2>Expected results (baseline)</h2>
    <p>
      Compared with <code>${b.file}</code> (${b.entries} entr${b.entries === 1 ? 'y' : 'ies'}):
      <strong class="baseline-known">${b.known} known failure${b.known === 1 ? '' : 's'}</strong>,
      <strong class="baseline-stale">${b.stale.length} stale entr${b.stale.length === 1 ? 'y' : 'ies'}</strong>,
      ${b.changed} listed unit${b.changed === 1 ? '' : 's'} not as expected${b.notRun ? `, ${b.notRun} entr${b.notRun === 1 ? 'y' : 'ies'} not run` : ''}.
    </p>
    <p class="note">
      Known failures keep their verdict in this report; they do not fail the run's exit code. A stale entry's units no
      longer fail, so the entry is due for removal.${strict}
    </p>
    ${
      b.stale.length
        ? html`<h3>Stale entries (${b.stale.length})</h3>
            ${plainTable(
              ['unit', 'ticket', 'expected', 'now', 'reason'],
              b.stale.map((e) => [
                entryName(e),
                e.ticket,
                e.expected,
                e.now.length ? html`${e.now.map((v) => badge(v))}` : 'nothing in this run matches it',
                e.reason,
              ]),
            )}`
        : html``
    }
    ${
      changed.length
        ? html`<h3>Listed, but not as expected (${changed.length})</h3>
            <ul class="findings">
              ${changed.map(
                (u) =>
                  html`<li>
                    ${badge(u.verdict)} <a href="#${unitAnchor(u)}">${unitLabel(u)}</a>: the baseline expects ${u.baseline!.expected}
                    (${u.baseline!.ticket}); this fails the run like an unlisted unit.
                  </li>`,
              )}
            </ul>`
        : html``
    }
  </section>`
}
