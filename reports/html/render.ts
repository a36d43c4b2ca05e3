/**
 * The HTML report: one self-contained page (no scripts, no fetched assets) a person reads on
 * screen and prints to PDF. Sections in the order a reader asks: what device, what verdicts,
 * what failed and what is open, the attack campaign, what does not apply, then every unit.
 */
import { baselineSection } from './baseline.ts'
import { cover } from './cover.ts'
import { campaign } from './campaign.ts'
import { documentFindings, notApplicable } from './applicability.ts'
import { groupsSection } from './groups.ts'
import { html, trusted } from './html.ts'
import type { ReportInput } from './input.ts'
import { findingsList, matrix } from './overview.ts'
import { stylesheet } from './style.ts'
import { groupAnchor } from './verdicts.ts'

export function renderReport(input: ReportInput): string {
  const r = input.results
  const attacks = campaign(r)
  const title = `${r.dut}: clause 5.3 assessment`
  const header = `ts701 — ${r.dut} — ${r.standardTitle}`
  const page = html`<!DOCTYPE html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${title}</title>
        <style>
          ${trusted(stylesheet(header))}
        </style>
      </head>
      <body>
        <main>
          ${cover(r)}
          <nav class="toc" aria-label="Contents">
            <ol>
              <li><a href="#overview">Verdict overview</a></li>
              <li><a href="#findings">Findings</a></li>
              ${r.baseline ? html`<li><a href="#baseline">Expected results (baseline)</a></li>` : html``}
              ${attacks.text ? html`<li><a href="#campaign">Attack campaign</a></li>` : html``}
              <li><a href="#not-applicable">Not applicable</a></li>
              <li><a href="#documents">Documents</a></li>
              ${r.groups.map((g) => html`<li><a href="#${groupAnchor(g)}">${g.id} ${g.title}</a></li>`)}
            </ol>
          </nav>
          ${matrix(r)} ${findingsList(r)} ${baselineSection(r)} ${attacks} ${notApplicable(r)} ${documentFindings(r)} ${groupsSection(r.groups, input.evidence)}
        </main>
      </body>
    </html> `
  // Template indentation leaves blanks at line ends; they carry nothing.
  return page.text.replace(/[ \t]+$/gm, '')
}
