/**
 * The overview: a matrix of test groups and unit verdict counts, then the findings a client acts
 * on, FAILs first, then what is still open with what would settle it.
 */
import type { GroupResult, RunResults, UnitResult } from '../../core/verdict.ts'
import { baselineTag } from './baseline.ts'
import { html, type Markup } from './html.ts'
import { settles } from './settle.ts'
import { added, badge, counts, groupAnchor, unitAnchor, unitLabel, unitsOf, VERDICTS, verdictClass } from './verdicts.ts'

function matrixRow(g: GroupResult): Markup {
  const n = counts(unitsOf(g).filter((u) => !added(g, u)))
  return html`<tr>
    <th scope="row"><a href="#${groupAnchor(g)}">${g.id}</a></th>
    <td class="title">${g.title}</td>
    <td>${g.status}</td>
    <td>${badge(g.verdict)}</td>
    ${VERDICTS.map((v) => html`<td class="count ${n[v] ? verdictClass(v) : 'zero'}">${n[v]}</td>`)}
  </tr>`
}

export function matrix(r: RunResults): Markup {
  const all = r.groups.flatMap((g) => unitsOf(g).filter((u) => !added(g, u)))
  const total = counts(all)
  return html`<section id="overview">
    <h2>Verdict overview</h2>
    <table class="matrix">
      <thead>
        <tr>
          <th scope="col">group</th>
          <th scope="col">provision</th>
          <th scope="col">status</th>
          <th scope="col">verdict</th>
          <th scope="col">PASS</th>
          <th scope="col">FAIL</th>
          <th scope="col">INCONCLUSIVE</th>
          <th scope="col">N/A</th>
        </tr>
      </thead>
      <tbody>
        ${r.groups.map(matrixRow)}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">total</th>
          <td>${r.groups.length} groups</td>
          <td></td>
          <td>${all.length} units</td>
          ${VERDICTS.map((v) => html`<td class="count">${total[v]}</td>`)}
        </tr>
      </tfoot>
    </table>
    <p class="note">Counts are the standard's units; units ts701 adds to corroborate a group are shown with it and not counted.</p>
  </section>`
}

interface Listed {
  group: GroupResult
  unit: UnitResult
}

function item({ group, unit }: Listed): Markup {
  const settle = unit.verdict === 'INCONCLUSIVE' ? settles(unit) : undefined
  const run = unit.run ? html` <span class="run">(${unit.run})</span>` : html``
  const ours = added(group, unit) ? html` <span class="tag">ts701 corroboration, not counted</span>` : html``
  return html`<li class="${verdictClass(unit.verdict)}">
    ${badge(unit.verdict)} <a href="#${unitAnchor(unit)}">${unitLabel(unit)}</a>${run}${ours} ${baselineTag(unit)}
    <span class="group-title">${group.title}</span>
    <div class="reason">${unit.reason}</div>
    ${settle ? html`<div class="settle">To settle: ${settle}</div>` : html``}
  </li>`
}

export function findingsList(r: RunResults): Markup {
  const listed = r.groups.flatMap((group) => unitsOf(group).map((unit) => ({ group, unit })))
  const failed = listed.filter((x) => x.unit.verdict === 'FAIL')
  const open = listed.filter((x) => x.unit.verdict === 'INCONCLUSIVE')
  const conflicts = listed.filter((x) => x.unit.conflicts?.length)
  return html`<section id="findings">
    <h2>Findings</h2>
    ${
      conflicts.length
        ? html`<h3>Runs that disagree</h3>
            <ul class="findings">
              ${conflicts.map(
                ({ unit }) =>
                  html`<li class="conflict">
                    <a href="#${unitAnchor(unit)}">${unitLabel(unit)}</a>: kept ${unit.verdict} from ${unit.run ?? '?'};
                    ${unit.conflicts!.map((c) => html`${c.run} said ${c.verdict} (${c.reason}) `)}
                  </li>`,
              )}
            </ul>`
        : html``
    }
    <h3>Failed (${failed.length})</h3>
    ${
      failed.length
        ? html`<ol class="findings">
            ${failed.map(item)}
          </ol>`
        : html`<p>No unit failed.</p>`
    }
    <h3>Open (${open.length})</h3>
    ${
      open.length
        ? html`<ol class="findings">
            ${open.map(item)}
          </ol>`
        : html`<p>Nothing is left open.</p>`
    }
  </section>`
}
