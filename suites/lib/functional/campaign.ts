import type { OfferedImage } from '../../../emulator/index.ts'
import { CONTROL_VARIANT, type Observation } from '../../../harness/functional.ts'
import { rethrowLabFault } from '../../../harness/lab-fault.ts'
import { attempt, disagreement, installed, onBaseline, type Attempt, type ImageUnderTest, type WaitFor } from './deliver.ts'
import { finalOutcome, given, imageWords, need, received, settled, unmet, type Precondition } from './preconditions.ts'
import type { Session } from './session.ts'
import { baselineVersion, freshState } from './settings.ts'

/** The valid image is delivered last, as the campaign's positive control. */
export const CONTROL = CONTROL_VARIANT

export interface CampaignResult {
  /** One observation per attack name, plus the control. */
  byVariant: Map<string, Observation & { kind: string }>
}

function waitFor(s: Session): WaitFor {
  // Without any outcome report, a late installation shows only in the version: give it time to.
  const outcomeMs = s.observe.outcomeTimeoutMs
  // Only the bound: the attempt stops waiting once the device downloaded, or showed it never will.
  return { fetchMs: outcomeMs ?? 60_000, settleMs: outcomeMs !== undefined ? 0 : 2_000, outcome: true }
}

/** The version could not be read back: the device stopped answering identify, or did not report it. */
function lostAfter(a: Attempt): string {
  return a.lost
    ? `no version observed after ${imageWords(a)} was delivered: ${a.lost}`
    : `the DUT stopped answering after ${imageWords(a)} was delivered`
}

/** The named delivery an attempt used, for reasons; nothing for `operations.deliver-image`. */
const withDelivery = (a: Attempt): string => (a.deliveryName !== undefined ? ` (delivery "${a.deliveryName}")` : '')

function describeDevice(a: Attempt): string {
  const o = a.outcome ? `; the device reported ${a.outcome.state}${a.outcome.detail ? ` (${a.outcome.detail})` : ''}` : ''
  const r = a.receipt?.message ? `; upload: ${a.receipt.message}` : ''
  return `${o}${r}`
}

/** What every verdict on an attempt needs: the device answered afterwards, and its report and version agree. */
function readable(a: Attempt): Precondition[] {
  const contradiction = disagreement(a)
  return [
    need('answered', a.after !== undefined, lostAfter(a)),
    need('consistent', contradiction === undefined, `${imageWords(a)}: ${contradiction}`),
  ]
}

/**
 * An announced older version refused without a download is a rejection: the attack is the offer
 * itself (the image is genuine), and the emulator shows the device read it.
 */
function refusedOffer(a: Attempt, kind: string): boolean {
  return kind === 'downgrade' && a.delivery === 'update-server' && a.announced === true && !a.fetched
}

/** A byte flip of a `raw` image (fixtures/attacks.ts): which byte, and whether the lab declared it signed. */
type RawFlip = { offset: number; signed: boolean }

const flipOf = (s: Session, name: string): RawFlip | undefined => s.lab.attacks.find((x) => x.name === name)?.flip

/**
 * Judges one attack attempt. FAIL: the device installed it. PASS "rejected" needs the device to
 * have got the image and answered afterwards, its version unchanged and, where anything reports
 * outcomes, a final report: an outcome still pending may be an installation under way.
 */
function judgeAttack(a: Attempt, kind: string, flip?: RawFlip): Observation {
  const evidence = a.evidence
  const open = unmet(readable(a), evidence)
  if (open) return open
  const now = a.after!.version // answered: checked above
  if (installed(a) && flip && !flip.signed)
    return {
      verdict: 'INCONCLUSIVE',
      reason: `installed the ${a.image.name} image${withDelivery(a)}: version ${a.before.version} → ${now}${describeDevice(a)}; but byte ${flip.offset} of a raw image is not known to be covered by the signature (it may be padding or an unsigned header field a device rightly ignores), so this is no evidence of a flaw; declare images.signedRanges to place the flips in signed bytes`,
      evidence,
    }
  if (installed(a))
    return {
      verdict: 'FAIL',
      reason: `installed the ${a.image.name} image${withDelivery(a)}: version ${a.before.version} → ${now}${describeDevice(a)}`,
      evidence,
    }
  const refused = refusedOffer(a, kind)
  return given(refused ? [] : [received(a), finalOutcome(a)], {
    verdict: 'PASS',
    reason: refused
      ? `rejected the ${a.image.name} image${withDelivery(a)}: still at ${now}; the device read the offer of the older version and did not download it; the DUT kept answering`
      : `rejected the ${a.image.name} image${withDelivery(a)}: still at ${now}${describeDevice(a)}; the DUT kept answering`,
    evidence,
  })
}

/**
 * Judges the offer of the version the device already runs. Refusing it (or reading the offer and not
 * downloading it) PASSes. Taking it is no rollback (many a sound anti-rollback rule lets an equal
 * version through), so it goes to the assessor with what was seen, never FAIL by itself. Only a report
 * read from the offer on shows a reinstallation: an outcome operation answers with its last outcome,
 * which may be the valid image's own installation.
 */
function judgeReplay(a: Attempt, reportsFromOffer: boolean): Observation {
  const evidence = a.evidence
  // An installation that leaves the version as it was is what a replay taken looks like, no contradiction.
  const open = unmet([need('answered', a.after !== undefined, lostAfter(a))], evidence)
  if (open) return open
  const now = a.after!.version // answered: checked above
  const words = `the ${a.image.name} image${withDelivery(a)}`
  const said = a.outcome?.version
  if (a.outcome?.state === 'installed' && said !== undefined && said !== now) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `${words}: the device reported installed ${said}, but ${a.after!.source} shows ${now}`,
      evidence,
    }
  }
  if (now !== a.before.version) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `offered ${words} of the version it runs, the DUT went from ${a.before.version} to ${now}`,
      evidence,
    }
  }
  if (a.outcome?.state === 'installed') {
    if (!reportsFromOffer) {
      return {
        verdict: 'INCONCLUSIVE',
        reason: `the outcome operation says installed after ${words}, but it answers with the last outcome, which may be that of the valid image installed before`,
        evidence,
      }
    }
    return {
      verdict: 'INCONCLUSIVE',
      review: true,
      reason: `installed ${words} again: the version it already runs (${now})${describeDevice(a)}; no rollback, but a replay it accepts: whether the anti-rollback the IXIT describes allows an equal version is for the assessor`,
      evidence,
    }
  }
  if (a.delivery === 'update-server' && a.announced === true && !a.fetched) {
    return { verdict: 'PASS', reason: `read the offer of ${words}, the version it runs (${now}), and did not download it`, evidence }
  }
  return given([received(a), finalOutcome(a)], {
    verdict: 'PASS',
    reason: `refused ${words}, the version it already runs: still at ${now}${describeDevice(a)}; the DUT kept answering`,
    evidence,
  })
}

/**
 * Judges the positive control. PASS: the valid version runs. FAIL "did not install" needs the
 * device to have got the image and answered afterwards with a final word on it: a device that
 * never asked, never downloaded, or is still installing has not refused anything.
 */
function judgeControl(a: Attempt): Observation {
  const evidence = a.evidence
  const open = unmet(readable(a), evidence)
  if (open) return open
  const now = a.after!.version // answered: checked above
  if (now === a.image.version)
    return { verdict: 'PASS', reason: `installed the valid image${withDelivery(a)}: version ${a.before.version} → ${now}`, evidence }
  const where = installed(a) ? `now at ${now}` : `still at ${now}`
  return given([received(a), finalOutcome(a)], {
    verdict: 'FAIL',
    reason: `did not install the valid image ${a.image.version}${withDelivery(a)}: ${where}${describeDevice(a)}`,
    evidence,
  })
}

interface AttackOffer {
  kind: string
  image: ImageUnderTest
  afterUpdate?: true
}

async function attackImages(s: Session): Promise<AttackOffer[]> {
  const valid = await s.valid()
  const claims = async (a: Session['lab']['attacks'][number]): Promise<string> => {
    if (a.kind === 'replay') return valid.version
    if (a.afterUpdate) return s.profile.images?.baseline?.version ?? valid.version
    return a.kind === 'downgrade' ? ((await s.older())?.version ?? valid.version) : valid.version
  }
  return Promise.all(
    s.lab.attacks.map(async (a) => ({
      kind: a.kind,
      ...(a.afterUpdate && { afterUpdate: a.afterUpdate }),
      // Attacks claim the valid image's version: the device must reject them for what they are.
      image: {
        name: a.name,
        path: a.path,
        size: a.size,
        sha256: a.sha256,
        version: await claims(a),
        ...(a.parts && { parts: a.parts }),
        ...(a.tamperedPart !== undefined && { tamperedPart: a.tamperedPart }),
      },
    })),
  )
}

/**
 * Delivers every attack image and then the valid one through one mechanism, each from the
 * baseline software. Attacks go first: once the valid version is installed, a device could
 * refuse tampered copies merely for not being newer, and would pass for the wrong reason.
 */
async function runCampaign(s: Session, mechanism: string): Promise<CampaignResult> {
  const byVariant: CampaignResult['byVariant'] = new Map()
  const via = s.profile.mechanisms[mechanism]!.via
  const valid = await s.valid()
  const wait = waitFor(s)
  const baseline = await baselineVersion(s)
  await freshState(s)
  if (via === 'update-server' && s.dut.supports('change-settings', 'enable-automatic-updates')) {
    // The campaign tests verification, not settings: make sure the device installs what it accepts.
    await s.dut.changeSettings('enable-automatic-updates')
  }
  const attacks = await attackImages(s)
  const later = attacks.filter((a) => a.afterUpdate)
  const all = [...attacks.filter((a) => !a.afterUpdate), { kind: 'control', image: valid }]
  if (baseline.version === valid.version) {
    for (const { image, kind } of [...all, ...later]) {
      byVariant.set(image.name, {
        kind,
        verdict: 'INCONCLUSIVE',
        reason: `the DUT already runs ${valid.version}, the version the attack images claim; bring it back to an older version first`,
      })
    }
    return { byVariant }
  }

  let dirty: string | undefined
  let previous: string | undefined
  for (const { image, kind } of all) {
    // Each attempt from the baseline: a version left by the last one would decide this one.
    const off = dirty ? undefined : await onBaseline(s, baseline)
    if (off) {
      const after = previous ? `the DUT left its baseline ${baseline.version} after the ${previous} attempt and ` : ''
      dirty = `not attempted: ${after}${off}`
    }
    if (dirty) {
      byVariant.set(image.name, { kind, verdict: 'INCONCLUSIVE', reason: dirty })
      continue
    }
    let a: Attempt
    try {
      a = await attempt(s, mechanism, image, wait)
    } catch (caught) {
      // Keep what earlier attempts showed; this one and the rest stay open, with the reason. A lab
      // fault (the emulator lost its port) is no attempt at all: the run stops.
      const err = rethrowLabFault(caught)
      const why = err instanceof Error ? err.message : String(err)
      byVariant.set(image.name, { kind, verdict: 'INCONCLUSIVE', reason: `the ${image.name} attempt broke off: ${why}` })
      dirty = `not attempted: the DUT stopped answering properly during the ${image.name} attempt (${why})`
      continue
    }
    byVariant.set(image.name, { kind, ...(kind === 'control' ? judgeControl(a) : judgeAttack(a, kind, flipOf(s, image.name))) })
    previous = image.name
    if (!a.after) {
      dirty = a.lost
        ? `not attempted: no version observed after the ${image.name} attempt`
        : `not attempted: the DUT stopped answering during the ${image.name} attempt`
    } else if (a.reports && !settled(a) && received(a).met && s.supportsAction('restore')) {
      // An installation may still be under way and would land in the next attempt: cut it short.
      // Whether that worked, the next attempt's baseline check reads.
      await s.act('restore').catch(() => undefined)
    }
  }
  dirty = await afterUpdate(s, { mechanism, later, wait, valid, dirty, byVariant })
  // Later experiments start from the baseline too; they check it again themselves.
  if (!dirty) await onBaseline(s, baseline)

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

/**
 * The attacks offered once the valid image runs (a rollback to the version before it), one after
 * another from that state. Returns why later experiments must not trust the device's state, if so.
 */
async function afterUpdate(
  s: Session,
  c: {
    mechanism: string
    later: AttackOffer[]
    wait: WaitFor
    valid: OfferedImage
    dirty: string | undefined
    byVariant: CampaignResult['byVariant']
  },
): Promise<string | undefined> {
  let dirty = c.dirty
  for (const { image, kind } of c.later) {
    const control = c.byVariant.get(CONTROL)
    const open =
      dirty ??
      (control?.verdict !== 'PASS'
        ? `not attempted: the valid image was not seen installed, so there is no newer version to go back from`
        : undefined)
    if (open) {
      c.byVariant.set(image.name, { kind, verdict: 'INCONCLUSIVE', reason: open })
      continue
    }
    let a: Attempt
    try {
      a = await attempt(s, c.mechanism, image, c.wait)
    } catch (caught) {
      const err = rethrowLabFault(caught)
      const why = err instanceof Error ? err.message : String(err)
      c.byVariant.set(image.name, { kind, verdict: 'INCONCLUSIVE', reason: `the ${image.name} attempt broke off: ${why}` })
      dirty = `the DUT stopped answering properly during the ${image.name} attempt (${why})`
      continue
    }
    // The attempt must start where it means to: on the valid version, not back on the baseline.
    const reportsFromOffer = ['server', 'mqtt', 'console'].includes(s.observe.sources.outcome ?? '')
    const judged =
      a.before.version === c.valid.version
        ? kind === 'replay'
          ? judgeReplay(a, reportsFromOffer)
          : judgeAttack(a, kind)
        : {
            verdict: 'INCONCLUSIVE' as const,
            reason: `the DUT ran ${a.before.version}, not the valid ${c.valid.version}, when ${image.name} was offered`,
            evidence: a.evidence,
          }
    c.byVariant.set(image.name, { kind, ...judged })
    if (!a.after) dirty = `no version observed after the ${image.name} attempt`
  }
  return dirty
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
