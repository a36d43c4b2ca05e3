import type { OfferedImage } from '../../../emulator/index.ts'
import { CONTROL_VARIANT, type Observation } from '../../../harness/functional.ts'
import { attempt, currentVersion, disagreement, installed, restoreBaseline, type Attempt, type WaitFor } from './deliver.ts'
import type { Session } from './session.ts'
import { freshState } from './settings.ts'

/** The valid image is delivered last, as the campaign's positive control. */
export const CONTROL = CONTROL_VARIANT

export interface CampaignResult {
  /** One observation per attack name, plus the control. */
  byVariant: Map<string, Observation & { kind: string }>
}

function waitFor(s: Session): WaitFor {
  // Without any outcome report, a late installation shows only in the version: give it time to.
  const outcomeMs = s.observe.outcomeTimeoutMs
  return { fetchMs: outcomeMs ?? 60_000, settleMs: outcomeMs !== undefined ? 0 : 2_000, outcome: true }
}

/** The version could not be read back: the device stopped answering identify, or did not report it. */
function lostAfter(a: Attempt, what: string): string {
  return a.lost
    ? `no version observed after the ${what} was delivered: ${a.lost}`
    : `the DUT stopped answering after the ${what} was delivered`
}

function describeDevice(a: Attempt): string {
  const o = a.outcome ? `; the device reported ${a.outcome.state}${a.outcome.detail ? ` (${a.outcome.detail})` : ''}` : ''
  const r = a.receipt?.message ? `; upload: ${a.receipt.message}` : ''
  return `${o}${r}`
}

/** Judges one attack attempt: only a rejection the device was seen to make counts as PASS. */
function judgeAttack(a: Attempt, kind: string, via: string): Observation {
  const evidence = a.evidence
  if (!a.after) return { verdict: 'INCONCLUSIVE', reason: lostAfter(a, `${a.image.name} image`), evidence }
  const contradiction = disagreement(a)
  if (contradiction) return { verdict: 'INCONCLUSIVE', reason: `the ${a.image.name} image: ${contradiction}`, evidence }
  if (installed(a))
    return {
      verdict: 'FAIL',
      reason: `installed the ${a.image.name} image: version ${a.before.version} → ${a.after.version}${describeDevice(a)}`,
      evidence,
    }
  if (via === 'update-server') {
    if (!a.asked)
      return {
        verdict: 'INCONCLUSIVE',
        reason: 'the DUT did not contact its update server after the offer; nothing was attempted',
        evidence,
      }
    // Refusing to download an announced older version is a rejection; anything else must be
    // downloaded first, or the device never saw what it is credited with rejecting.
    if (!a.fetched && kind !== 'downgrade') {
      return { verdict: 'INCONCLUSIVE', reason: `the DUT asked for updates but did not download the ${a.image.name} image`, evidence }
    }
  }
  return {
    verdict: 'PASS',
    reason: `rejected the ${a.image.name} image: still at ${a.after.version}${describeDevice(a)}; the DUT kept answering`,
    evidence,
  }
}

function judgeControl(a: Attempt): Observation {
  const evidence = a.evidence
  if (!a.after) return { verdict: 'INCONCLUSIVE', reason: lostAfter(a, 'valid image'), evidence }
  const contradiction = disagreement(a)
  if (contradiction) return { verdict: 'INCONCLUSIVE', reason: `the valid image: ${contradiction}`, evidence }
  if (a.after.version === a.image.version)
    return { verdict: 'PASS', reason: `installed the valid image: version ${a.before.version} → ${a.after.version}`, evidence }
  return {
    verdict: 'FAIL',
    reason: `did not install the valid image ${a.image.version}: still at ${a.after.version}${describeDevice(a)}`,
    evidence,
  }
}

async function attackImages(s: Session): Promise<Array<{ kind: string; image: OfferedImage }>> {
  const valid = await s.valid()
  return Promise.all(
    s.lab.attacks.map(async (a) => ({
      kind: a.kind,
      // Attacks claim the valid image's version: the device must reject them for what they are.
      image: {
        name: a.name,
        path: a.path,
        size: a.size,
        sha256: a.sha256,
        version: a.kind === 'downgrade' ? ((await s.older())?.version ?? valid.version) : valid.version,
      },
    })),
  )
}

/**
 * Delivers every attack image and then the valid one through one mechanism, starting each from
 * the baseline software. Attacks go first: once the valid version is installed, a device could
 * refuse tampered copies merely for not being newer, and would pass for the wrong reason.
 */
async function runCampaign(s: Session, mechanism: string): Promise<CampaignResult> {
  const byVariant: CampaignResult['byVariant'] = new Map()
  const via = s.profile.mechanisms[mechanism]!.via
  const valid = await s.valid()
  const wait = waitFor(s)
  await freshState(s)
  if (via === 'update-server' && s.dut.supports('change-settings', 'enable-automatic-updates')) {
    // The campaign tests verification, not settings: make sure the device installs what it accepts.
    await s.dut.changeSettings('enable-automatic-updates')
  }
  const baseline = await currentVersion(s)
  const attacks = await attackImages(s)
  const all = [...attacks, { kind: 'control', image: valid }]
  if (baseline.version === valid.version) {
    for (const { image, kind } of all) {
      byVariant.set(image.name, {
        kind,
        verdict: 'INCONCLUSIVE',
        reason: `the DUT already runs ${valid.version}, the version the attack images claim; bring it back to an older version first`,
      })
    }
    return { byVariant }
  }

  let dirty: string | undefined
  for (const { image, kind } of all) {
    if (dirty) {
      byVariant.set(image.name, { kind, verdict: 'INCONCLUSIVE', reason: dirty })
      continue
    }
    let a: Attempt
    try {
      a = await attempt(s, mechanism, image, wait)
    } catch (err) {
      // Keep what earlier attempts showed; this one and the rest stay open, with the reason.
      const why = err instanceof Error ? err.message : String(err)
      byVariant.set(image.name, { kind, verdict: 'INCONCLUSIVE', reason: `the ${image.name} attempt broke off: ${why}` })
      dirty = `not attempted: the DUT stopped answering properly during the ${image.name} attempt (${why})`
      continue
    }
    byVariant.set(image.name, { kind, ...(kind === 'control' ? judgeControl(a) : judgeAttack(a, kind, via)) })
    if (!a.after) {
      dirty = a.lost
        ? `not attempted: no version observed after the ${image.name} attempt`
        : `not attempted: the DUT stopped answering during the ${image.name} attempt`
    } else if (installed(a) && !(await restoreBaseline(s, baseline))) {
      dirty = `not attempted: the DUT left its baseline ${baseline.version} after the ${image.name} attempt and could not be restored (declare a restore operation)`
    }
  }

  const control = byVariant.get(CONTROL)
  if (control?.verdict !== 'PASS') {
    // A device that refuses everything would pass every attack: its rejections prove nothing.
    for (const [name, o] of byVariant) {
      if (name !== CONTROL && o.verdict === 'PASS') {
        byVariant.set(name, {
          ...o,
          verdict: 'INCONCLUSIVE',
          reason: `${o.reason} — but the valid image could not be shown to install either, so the rejection proves nothing`,
        })
      }
    }
  }
  return { byVariant }
}

export function campaign(s: Session, mechanism: string): Promise<CampaignResult> {
  return s.once(`campaign:${mechanism}`, () => runCampaign(s, mechanism))
}

/** Folds the campaign's verdicts on some attacks into one: any FAIL fails, anything open stays open. */
export function summarize(result: CampaignResult, keep: (name: string, kind: string) => boolean): Observation {
  const picked = [...result.byVariant].filter(([name, o]) => keep(name, o.kind))
  if (picked.length === 0) return { verdict: 'INCONCLUSIVE', reason: 'no attack image of this kind could be prepared for the DUT' }
  const evidence = picked.flatMap(([, o]) => o.evidence ?? [])
  const failed = picked.filter(([, o]) => o.verdict === 'FAIL')
  if (failed.length) return { verdict: 'FAIL', reason: failed.map(([, o]) => o.reason).join('; '), evidence }
  const open = picked.filter(([, o]) => o.verdict === 'INCONCLUSIVE')
  if (open.length) return { verdict: 'INCONCLUSIVE', reason: open.map(([n, o]) => `${n}: ${o.reason}`).join('; '), evidence }
  return { verdict: 'PASS', reason: `rejected ${picked.map(([n]) => n).join(', ')}`, evidence }
}
