/**
 * What does not apply and why (the ICS and IXIT answers it rests on), and what the documents say
 * against each other or against the run: a reader checks these before trusting the rest.
 */
import type { RunResults } from '../../core/verdict.ts'
import { html, plainTable, type Markup } from './html.ts'
import { groupAnchor, unitAnchor, unitLabel, unitsOf } from './verdicts.ts'

export function notApplicable(r: RunResults): Markup {
  const groups = r.groups.filter((g) => g.verdict === 'NOT APPLICABLE')
  const units = r.groups
    .filter((g) => g.verdict !== 'NOT APPLICABLE')
    .flatMap((g) => unitsOf(g))
    .filter((u) => u.verdict === 'NOT APPLICABLE')
  return html`<section id="not-applicable">
    <h2>Not applicable</h2>
    ${
      groups.length
        ? plainTable(
            ['group', 'why'],
            groups.map((g) => [html`<a href="#${groupAnchor(g)}">${g.id}</a>`, g.reason ?? '—']),
          )
        : html`<p>Every test group applies.</p>`
    }
    ${
      units.length
        ? html`<h3>Units not applicable in applicable groups</h3>
          ${plainTable(
            ['unit', 'why'],
            units.map((u) => [html`<a href="#${unitAnchor(u)}">${unitLabel(u)}</a>`, u.reason]),
          )}`
        : html``
    }
  </section>`
}

export function documentFindings(r: RunResults): Markup {
  const contradictions = r.findings.filter((f) => f.code === 'ics-contradiction')
  const rest = r.findings.filter((f) => f.code !== 'ics-contradiction')
  const list = (fs: typeof r.findings) =>
    html`<ul class="doc-findings">
      ${fs.map(
        (f) =>
          html`<li>
            <span class="sev ${f.severity}">${f.severity}</span> <code>${f.file}:${f.line}:${f.column}</code> ${f.message}
            <span class="code">(${f.code})</span>
          </li>`,
      )}
    </ul>`
  return html`<section id="documents">
    <h2>Documents</h2>
    <h3>ICS and IXIT contradictions (${contradictions.length})</h3>
    ${contradictions.length ? list(contradictions) : html`<p>The ICS and the IXIT agree where both speak.</p>`}
    ${
      rest.length
        ? html`<h3>Other findings (${rest.length})</h3>
            ${list(rest)}`
        : html``
    }
  </section>`
}
