/**
 * The attack campaign as one table: each image put in front of the device, what was changed in
 * it, how it was delivered, what the device did, its version before and after, and the verdict.
 */
import type { AttackImageResult, RunResults, UnitResult } from '../../core/verdict.ts'
import { html, type Markup } from './html.ts'
import { badge, unitAnchor } from './verdicts.ts'

/** The unit that judges each delivered image (one per mechanism and image). */
const CAMPAIGN_UNIT = '5.3-2-2b'

const VALID: AttackImageResult = {
  name: 'valid-image',
  kind: 'genuine',
  description: 'The genuine image, untouched: it must install.',
  sha256: '',
}

/** Version before and after, as the reason words them (`version 1.0.0 → 1.1.0`, `still at 1.0.0`). */
function versions(reason: string): string {
  const changed = /version (\S+) → (\S+?)[;,:]?(?:\s|$)/.exec(reason)
  if (changed) return `${changed[1]} → ${changed[2]}`
  const kept = /still at (\S+?)[;,:]?(?:\s|$)/.exec(reason)
  return kept ? `${kept[1]} (unchanged)` : '—'
}

/** What the device did, in its own words where the reason carries them. */
function reaction(reason: string): string {
  const said = /the device reported ([^;]+)/.exec(reason)?.[1]
  const head = reason.split(/[:;]/)[0]!
  return said ? `${head}; reported ${said}` : head
}

export function campaign(r: RunResults): Markup {
  const units = r.groups.flatMap((g) => g.cases.flatMap((c) => c.units)).filter((u) => u.id === CAMPAIGN_UNIT && u.variant)
  if (units.length === 0) return html``
  const byName = new Map<string, AttackImageResult>([
    [VALID.name, VALID],
    ...r.attacks.map((a): [string, AttackImageResult] => [a.name, a]),
  ])
  const rowOf = (u: UnitResult) => {
    const a = byName.get(u.variant!)
    return html`<tr>
      <td><a href="#${unitAnchor(u)}">${u.variant}</a>${u.run ? html` <span class="run">(${u.run})</span>` : html``}</td>
      <td>${a?.kind ?? '—'}</td>
      <td class="changed">
        ${a?.description ?? '—'}${a?.sha256 ? html`<br><code class="hash">${a.sha256.slice(0, 16)}…</code>` : html``}
      </td>
      <td>${u.target ?? 'deliver-image'}</td>
      <td>${reaction(u.reason)}</td>
      <td class="nowrap">${versions(u.reason)}</td>
      <td>${badge(u.verdict)}</td>
    </tr>`
  }
  return html`<section id="campaign">
    <h2>Attack campaign</h2>
    <p>
      Every image ts701 put in front of the device under ${CAMPAIGN_UNIT}: a FAIL is an image the device installed that it had to refuse, or
      the genuine image it did not install.
    </p>
    <table class="campaign">
      <thead>
        <tr>
          <th scope="col">image</th>
          <th scope="col">kind</th>
          <th scope="col">what was changed</th>
          <th scope="col">mechanism</th>
          <th scope="col">device reaction</th>
          <th scope="col">version</th>
          <th scope="col">verdict</th>
        </tr>
      </thead>
      <tbody>
        ${units.map(rowOf)}
      </tbody>
    </table>
  </section>`
}
