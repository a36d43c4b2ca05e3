/** The cover: which device, which edition, who and when, with what inputs, and the evidence seal. */
import type { RunResults } from '../../core/verdict.ts'
import { html, plainTable, type Markup } from './html.ts'

const day = (iso: string) =>
  iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC')

function row(label: string, value: Markup | string | undefined): Markup {
  return value === undefined || value === ''
    ? html``
    : html`<tr>
        <th scope="row">${label}</th>
        <td>${value}</td>
      </tr>`
}

export function cover(r: RunResults): Markup {
  const meta = r.meta
  const observed = r.observedDut
  const observedText = observed
    ? [observed.model && `model ${observed.model}`, observed.version && `software ${observed.version}`].filter(Boolean).join(', ')
    : undefined
  const declared = meta?.declared.modelDesignations.join(', ') || r.dut
  const runs = r.runs?.length
    ? html`<h3>Runs merged</h3>
        ${plainTable(
          ['run', 'folder', 'started', 'finished', 'device seen'],
          r.runs.map((x) => [
            x.label,
            html`<code>${x.dir}</code>`,
            day(x.startedAt),
            day(x.finishedAt),
            x.observedDut ? `${x.observedDut.model ?? '?'} ${x.observedDut.version ?? ''}` : '—',
          ]),
        )}`
    : html``
  const inputs = meta?.inputs.length
    ? html`<h3>Input documents</h3>
        ${plainTable(
          ['kind', 'file', 'SHA-256'],
          meta.inputs.map((d) => [d.kind, html`<code>${d.path}</code>`, html`<code class="hash">${d.sha256}</code>`]),
        )}`
    : html``
  return html`<section class="cover" id="cover">
    <p class="kicker">Conformance assessment, EN 303 645 clause 5.3 (software updates)</p>
    <h1>${r.dut}</h1>
    <table class="facts">
      <tbody>
        ${row('DUT as declared', `${declared} (IXIT 2-UserInfo)`)}
        ${row('DUT as observed', observedText ? `${observedText} (${observed?.source ?? 'identify'})` : 'not observed (no device run)')}
        ${row('Edition', r.standardTitle)}
        ${row('Scope', r.conceptualOnly ? 'documents only (conceptual units)' : 'documents and device (conceptual and functional units)')}
        ${row('Laboratory', meta?.lab)} ${row('Assessors', meta?.assessors.join(', '))} ${row('Started', day(r.startedAt))}
        ${row('Finished', day(r.finishedAt))}
        ${row('Interrupted', r.interrupted ? `by ${r.interrupted.signal} at ${day(r.interrupted.at)}: the units not decided by then are INCONCLUSIVE` : undefined)}
        ${row('Baseline', r.baseline ? html`<code>${r.baseline.file}</code> (SHA-256 <code class="hash">${r.baseline.sha256}</code>)${r.baseline.strict ? ', strict' : ''}` : undefined)}
        ${row('ts701', meta?.ts701Version)}
        ${row('Evidence seal', r.seal ? html`<code class="hash">${r.seal.digest}</code> (SHA-256 over ${r.seal.files} files; check with <code>ts701 verify</code>)` : undefined)}
      </tbody>
    </table>
    ${runs} ${inputs}
  </section>`
}
