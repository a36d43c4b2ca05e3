/**
 * 5.3-5 as a picture: the update checks seen after the restart on a time axis (device time), with
 * the period the IXIT declares drawn as the checks it implies. A reader sees at once whether the
 * first check came at boot and whether the rest keep to the period.
 */
import type { RecordedEntry } from '../../core/evidence.ts'
import type { GroupResult } from '../../core/verdict.ts'
import { html, trusted, type Markup } from './html.ts'
import { unitsOf } from './verdicts.ts'

interface Timeline {
  id: string
  back: string
  checksAt: number[]
  windowSeconds: number
}

interface Claim {
  mechanism: string
  period: string
  seconds: number
}

const W = 760
const H = 150
const LEFT = 40
const RIGHT = 20
const AXIS_Y = 100

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

function timelineOf(id: string, e: RecordedEntry): Timeline | undefined {
  const d = e.detail
  if (d?.event !== 'check-timeline') return undefined
  const windowSeconds = num(d.windowSeconds)
  const checksAt = Array.isArray(d.checksAt) ? d.checksAt.map(num).filter((n): n is number => n !== undefined) : []
  if (!windowSeconds || windowSeconds <= 0) return undefined
  return { id, back: typeof d.back === 'string' ? d.back : 'the restart', checksAt, windowSeconds }
}

function claimOf(e: RecordedEntry): Claim | undefined {
  const d = e.detail
  const seconds = num(d?.seconds)
  if (d?.event !== 'check-period-claim' || !seconds || seconds <= 0) return undefined
  return { mechanism: String(d.mechanism ?? ''), period: String(d.period ?? ''), seconds }
}

/** Device seconds in the unit that reads best on the axis. */
function label(seconds: number, span: number): string {
  if (span >= 3 * 86400) return `${+(seconds / 86400).toFixed(1)} d`
  if (span >= 3 * 3600) return `${+(seconds / 3600).toFixed(1)} h`
  if (span >= 180) return `${+(seconds / 60).toFixed(1)} min`
  return `${+seconds.toFixed(1)} s`
}

function svg(t: Timeline, claim: Claim | undefined): string {
  const span = t.windowSeconds
  const x = (s: number) => LEFT + (Math.min(Math.max(s, 0), span) / span) * (W - LEFT - RIGHT)
  const parts: string[] = []
  parts.push(`<line x1="${LEFT}" y1="${AXIS_Y}" x2="${W - RIGHT}" y2="${AXIS_Y}" class="axis"/>`)
  for (let i = 0; i <= 4; i++) {
    const s = (span * i) / 4
    parts.push(`<line x1="${x(s)}" y1="${AXIS_Y}" x2="${x(s)}" y2="${AXIS_Y + 5}" class="axis"/>`)
    parts.push(`<text x="${x(s)}" y="${AXIS_Y + 18}" text-anchor="middle" class="tick">${label(s, span)}</text>`)
  }
  if (claim) {
    // The checks the declared period implies, each with the half-period either way ts701 accepts.
    for (let s = claim.seconds; s <= span; s += claim.seconds) {
      const from = x(s - claim.seconds / 2)
      parts.push(`<rect x="${from}" y="30" width="${x(s + claim.seconds / 2) - from}" height="${AXIS_Y - 30}" class="band"/>`)
      parts.push(`<line x1="${x(s)}" y1="30" x2="${x(s)}" y2="${AXIS_Y}" class="expected"/>`)
    }
  }
  parts.push(`<line x1="${x(0)}" y1="20" x2="${x(0)}" y2="${AXIS_Y}" class="back"/>`)
  parts.push(`<text x="${x(0) + 4}" y="28" class="tick">device back</text>`)
  for (const at of t.checksAt) {
    parts.push(`<circle cx="${x(at)}" cy="${AXIS_Y - 20}" r="5" class="check"><title>check at ${label(at, span)}</title></circle>`)
  }
  const title = `Update checks after the restart${claim ? ` against the declared period (${claim.period})` : ''}`
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${title.replace(/[&<>"]/g, '')}">${parts.join('')}</svg>`
}

/** One picture per timeline the group's units rest on (and per declared period beside it). */
export function timelines(g: GroupResult, evidence: ReadonlyMap<string, RecordedEntry>): Markup {
  const ids = [...new Set(unitsOf(g).flatMap((u) => u.evidence ?? []))]
  const found = ids.flatMap((id) => {
    const e = evidence.get(id)
    const t = e && timelineOf(id, e)
    return t ? [t] : []
  })
  if (found.length === 0) return html``
  const claims = ids.flatMap((id) => {
    const e = evidence.get(id)
    const c = e && claimOf(e)
    return c ? [c] : []
  })
  const unique = [...new Map(claims.map((c) => [`${c.mechanism}|${c.seconds}`, c])).values()]
  return html`${found.map((t) => {
    const drawn = unique.length ? unique : [undefined]
    return drawn.map(
      (claim) =>
        html`<figure class="timeline">
          ${trusted(svg(t, claim))}
          <figcaption>
            ${t.checksAt.length} update check${t.checksAt.length === 1 ? '' : 's'} (dots) in ${label(t.windowSeconds, t.windowSeconds)} of
            device time after the device was back (${t.back}; evidence
            ${t.id})${
              claim
                ? html`; shaded: where the checks ${claim.mechanism}'s declared period (${claim.period}) implies may fall`
                : html`; the IXIT declares no period`
            }.
          </figcaption>
        </figure>`,
    )
  })}`
}
