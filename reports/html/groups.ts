/**
 * Every group, case and unit: verdict, who decided it, the reason, the IXIT fields read, the
 * assessor's decision, and the evidence entries a functional verdict rests on. Each group starts
 * a printed page.
 */
import type { RecordedEntry } from '../../core/evidence.ts'
import type { CaseResult, GroupResult, UnitResult } from '../../core/verdict.ts'
import { baselineTag } from './baseline.ts'
import { html, type Markup } from './html.ts'
import { timelines } from './timeline.ts'
import { added, badge, groupAnchor, unitAnchor, unitLabel } from './verdicts.ts'

/** Evidence shown per unit; the rest is counted and stays in the evidence log. */
const SHOWN = 12

const SOURCE: Record<UnitResult['source'], string> = {
  rule: 'rule on the documents',
  observed: 'observed on the device',
  assessor: 'assessor decision',
  harness: 'not decided (the run could not)',
}

const clock = (iso: string) => iso.slice(11, 23)

function evidenceTable(u: UnitResult, evidence: ReadonlyMap<string, RecordedEntry>): Markup {
  const ids = u.evidence ?? []
  if (ids.length === 0) return html``
  const found = ids.map((id) => ({ id, entry: evidence.get(id) }))
  const shown = found.slice(0, SHOWN)
  const more = found.length - shown.length
  return html`<table class="evidence">
    <caption>
      Evidence (${ids.length} entr${ids.length === 1 ? 'y' : 'ies'})
    </caption>
    <tbody>
      ${shown.map(({ id, entry }) =>
        entry
          ? html`<tr>
              <td class="id">${id}</td>
              <td class="time">${clock(entry.time)}</td>
              <td class="channel">${entry.channel}</td>
              <td>${entry.summary}</td>
            </tr>`
          : /(^|\/)E\d+$/.test(id)
            ? html`<tr>
                <td class="id">${id}</td>
                <td colspan="3" class="missing">not in the evidence log</td>
              </tr>`
            : html`<tr>
                <td colspan="4">a file of the run: <code>${id}</code></td>
              </tr>`,
      )}
      ${
        more > 0
          ? html`<tr>
              <td colspan="4" class="more">… ${more} more in evidence/exchanges.jsonl (${ids[SHOWN]} to ${ids.at(-1)})</td>
            </tr>`
          : html``
      }
    </tbody>
  </table>`
}

function unitBlock(g: GroupResult, u: UnitResult, evidence: ReadonlyMap<string, RecordedEntry>): Markup {
  const ours = added(g, u)
  return html`<article class="unit${ours ? ' added' : ''}" id="${unitAnchor(u)}" data-unit="${unitLabel(u)}" data-verdict="${u.verdict}">
    <header>
      ${badge(u.verdict)} <strong>${unitLabel(u)}</strong>
      <span class="source">${SOURCE[u.source]}</span>
      ${ours ? html`<span class="tag">ts701 corroboration, not counted</span>` : html``}
      ${u.basis === 'reading' ? html`<span class="tag">ts701's reading of the provision</span>` : html``}
      ${u.run ? html`<span class="tag">from ${u.run}</span>` : html``} ${baselineTag(u)}
    </header>
    <p class="reason">${u.reason}</p>
    ${u.assessor ? html`<p class="decision">Decided by ${u.assessor.name} on ${u.assessor.date}; the rationale is the reason above.</p>` : html``}
    ${
      u.conflicts?.length
        ? html`<ul class="conflicts">
            ${u.conflicts.map((c) => html`<li>${c.run} gave ${badge(c.verdict)}: ${c.reason}</li>`)}
          </ul>`
        : html``
    }
    ${u.reads.length ? html`<p class="reads">IXIT fields read: ${u.reads.map((r, i) => html`${i ? ', ' : ''}<code>${r}</code>`)}</p>` : html``}
    ${(u.quotes ?? []).map(
      (q) =>
        html`<blockquote class="ixit"><p class="said">${q.text}</p><p class="from">${q.entry}, <code>${q.field}</code></p></blockquote>`,
    )}
    ${evidenceTable(u, evidence)}
  </article>`
}

function caseBlock(g: GroupResult, c: CaseResult, evidence: ReadonlyMap<string, RecordedEntry>): Markup {
  return html`<section class="case">
    <h4>
      ${badge(c.verdict)} Test case ${c.id}
      <span class="kind">${c.kind}</span>${c.origin === 'ts701' ? html` <span class="tag">added by ts701</span>` : html``}
    </h4>
    ${c.reason ? html`<p class="reason">${c.reason}</p>` : html``} ${c.units.map((u) => unitBlock(g, u, evidence))}
  </section>`
}

export function groupsSection(groups: readonly GroupResult[], evidence: ReadonlyMap<string, RecordedEntry>): Markup {
  return html`<section id="groups">
    ${groups.map(
      (g) =>
        html`<section class="group" id="${groupAnchor(g)}">
          <h2>${badge(g.verdict)} ${g.id} <span class="status">${g.status}</span></h2>
          <p class="provision">${g.title}</p>
          ${g.reason ? html`<p class="reason na">Not applicable: ${g.reason}</p>` : html``}
          ${g.id === '5.3-5' ? timelines(g, evidence) : html``} ${g.cases.map((c) => caseBlock(g, c, evidence))}
        </section>`,
    )}
  </section>`
}
