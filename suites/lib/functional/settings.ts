import type { SettingChange } from '../../../core/dut.ts'
import type { Observation } from '../../../harness/functional.ts'
import {
  attempt,
  disagreement,
  identifyWhenBack,
  installed,
  onBaseline,
  seenVersion,
  versionSince,
  type Attempt,
  type VersionSeen,
  type WaitFor,
} from './deliver.ts'
import { given, need, received, unmet, type Precondition } from './preconditions.ts'
import type { Session } from './session.ts'
import { holdBackMs, lookPauses, sleep } from './timing.ts'

export type Feature = 'automatic-updates' | 'notifications'
export type Control = 'enable' | 'disable' | 'postpone'

const change = (control: Control, feature: Feature) => `${control}-${feature}` as SettingChange
const LABEL: Record<Control, string> = { enable: 'enabled', disable: 'disabled', postpone: 'postponed' }
const inconclusive = (reason: string): Observation => ({ verdict: 'INCONCLUSIVE', reason })

/**
 * Back to the initialized state on the baseline software, where the profile allows it, so no
 * experiment inherits another's leftovers: a postponement still running, notifications off, or
 * an update the device installed late, after the experiment that offered it had ended. Undefined
 * once on the baseline; else why the device could not be brought back to it.
 */
export async function freshState(s: Session): Promise<string | undefined> {
  const baseline = await baselineVersion(s)
  const since = Date.now()
  if (s.supportsAction('factory-reset')) {
    await s.act('factory-reset')
    // A device that asks for consent to automatic updates during initialization is given it, as a user would.
    if (s.supportsAction('consent-automatic-updates')) await s.act('consent-automatic-updates')
  }
  return onBaseline(s, baseline, since)
}

/** The software experiments return to: the session's baseline (identify, or the first version observed). */
export function baselineVersion(s: Session): Promise<VersionSeen> {
  return s.baseline().then((b) => ({ version: b.version, source: b.source }))
}

/** The settings in the initialized state: read after a factory reset, and only then. */
export async function initializedSettings(s: Session) {
  return s.once('initialized-settings', async () => {
    const mark = s.evidence.mark()
    const reset = s.supportsAction('factory-reset')
    if (reset) {
      await s.act('factory-reset')
      await identifyWhenBack(s)
    }
    const settings = await s.dut.readSettings()
    return { settings, reset, evidence: s.evidence.since(mark).map((e) => e.id) }
  })
}

/**
 * The default of a setting. Judged only in the initialized state, which a factory reset (an
 * operation or a bench step) establishes: as found, the setting may be anyone's earlier choice.
 */
export async function judgeDefault(s: Session, feature: Feature): Promise<Observation> {
  const { settings, reset, evidence } = await initializedSettings(s)
  const value = feature === 'automatic-updates' ? settings.automaticUpdates : settings.notifications
  const label = feature === 'automatic-updates' ? 'automatic updates' : 'update notifications'
  const found = value === undefined ? '' : `; as found, ${label} are ${value ? 'on' : 'off'}`
  return given(
    [
      need(
        'initialized',
        reset,
        `the initialized state could not be established: the profile declares no factory-reset (an operation or a bench step)${found}`,
      ),
      need('reported', value !== undefined, `read-settings does not report ${label}`),
    ],
    value
      ? { verdict: 'PASS', reason: `${label} are on after a factory reset`, evidence }
      : { verdict: 'FAIL', reason: `${label} are off after a factory reset`, evidence },
  )
}

type Experiment = Map<Control, Observation>

const ALL: Control[] = ['enable', 'disable', 'postpone']

/** The controls the profile lets ts701 use; the experiment runs all of them once. */
function declared(s: Session, feature: Feature): Control[] {
  return ALL.filter((c) => s.dut.supports('change-settings', change(c, feature)))
}

/**
 * Starts one step: the initialized state on the baseline software, which must be older than the
 * valid image, then the settings the step needs. Undefined when ready; else why the step cannot run.
 */
async function prepare(s: Session, changes: SettingChange[]): Promise<string | undefined> {
  const [baseline, valid] = [await baselineVersion(s), await s.valid()]
  if (baseline.version === valid.version)
    return `the DUT already runs ${valid.version}, the version offered; bring it back to an older version first`
  const off = await freshState(s)
  if (off) return off
  for (const c of changes) await s.dut.changeSettings(c)
  return undefined
}

/** Offers the valid image with the settings as they are now and records what the device did. */
async function offerValid(s: Session, mechanism: string, wait: WaitFor): Promise<Attempt> {
  return attempt(s, mechanism, await s.valid(), wait)
}

/** What every verdict on a step needs: the device answered afterwards, and its report and version agree. */
function readable(a: Attempt, setting: string): Precondition[] {
  const contradiction = disagreement(a)
  return [
    // A device read through its reports may simply have said nothing new: "stopped answering" is for identify.
    need(
      'answered',
      a.after !== undefined,
      a.lost ? `no version observed with ${setting}: ${a.lost}` : `the DUT stopped answering with ${setting}`,
    ),
    need('consistent', contradiction === undefined, `with ${setting} ${contradiction}`),
  ]
}

/** The device saw the update while the setting held: it asked its update server after the offer, or got the image. */
function sawOffer(a: Attempt, setting: string): Precondition {
  if (a.delivery !== 'update-server') return received(a)
  return need(
    'saw-offer',
    a.asked === true,
    `the device never contacted its update server after the offer with ${setting}, so it never saw the update`,
  )
}

/** Holding back proves the setting only where enabling it was seen to make the device act. */
function madeTheDifference(enable: Observation | undefined, what: string): Precondition {
  return need(
    'works-when-enabled',
    enable?.verdict === 'PASS',
    `nothing shows the setting made the difference: the enable step did not show the DUT ${what} (${enable?.reason ?? 'not run'})`,
  )
}

function judgeEnabled(a: Attempt, version: string): Observation {
  const setting = 'automatic updates enabled'
  const evidence = a.evidence
  const open = unmet(readable(a, setting), evidence)
  if (open) return open
  if (installed(a)) return { verdict: 'PASS', reason: `with ${setting} the DUT installed ${version} by itself`, evidence }
  return given([sawOffer(a, setting)], {
    verdict: 'FAIL',
    reason: `with ${setting} the DUT did not install ${version} (still ${a.after!.version})`,
    evidence,
  })
}

function judgeHeld(a: Attempt, control: Control, enable: Observation | undefined, settleMs: number): Observation {
  const setting = `automatic updates ${LABEL[control]}`
  const evidence = a.evidence
  const open = unmet(readable(a, setting), evidence)
  if (open) return open
  if (installed(a))
    return { verdict: 'FAIL', reason: `installed ${a.after!.version} although automatic updates were ${LABEL[control]}`, evidence }
  return given([sawOffer(a, setting), madeTheDifference(enable, 'installing when enabled')], {
    verdict: 'PASS',
    reason: `with ${setting} the DUT stayed at ${a.after!.version} for ${settleMs} ms after the offer`,
    evidence,
  })
}

/**
 * What enable, disable and postpone do to installation. Enabling goes first and measures how
 * long an installation takes; disabled and postponed devices are then given twice that long to
 * show they really do not install. Each step starts from the initialized state on the baseline.
 */
async function automaticUpdates(s: Session, mechanism: string, controls: Control[]): Promise<Experiment> {
  const results: Experiment = new Map()
  const valid = await s.valid()
  const firstWait = s.observe.outcomeTimeoutMs ?? 60_000

  // How long the enabled device took to install; none measured when it did not install, and then
  // the held-back steps cannot PASS (nothing shows the setting made a difference): they are
  // watched only as long as the device's own reaction needs, for a FAIL.
  let installMs = 0
  const ready = await prepare(s, ['enable-automatic-updates'])
  if (ready) results.set('enable', inconclusive(ready))
  else {
    const start = Date.now()
    const enabled = await offerValid(s, mechanism, { fetchMs: firstWait, settleMs: 0, outcome: true })
    // A device that never asked for the offer is not installing it: nothing to wait for.
    const waited = installed(enabled) || enabled.asked === false ? enabled : await waitForInstall(s, enabled, firstWait)
    if (installed(waited)) installMs = Date.now() - start
    results.set('enable', judgeEnabled(waited, valid.version))
  }
  const settle = holdBackMs(s, installMs)

  for (const control of controls.filter((c) => c !== 'enable')) {
    const held = await prepare(s, ['enable-automatic-updates', change(control, 'automatic-updates')])
    if (held) {
      results.set(control, inconclusive(held))
      continue
    }
    const a = await offerValid(s, mechanism, { fetchMs: settle, settleMs: settle, outcome: false })
    results.set(control, judgeHeld(a, control, results.get('enable'), settle))
  }
  // Whatever happened, later experiments find the baseline where it can be put back; they check it themselves.
  await freshState(s)
  return results
}

/** Watches for an installation that ends after the outcome was read; a device that falls silent has no `after`. */
async function waitForInstall(s: Session, a: Attempt, budgetMs: number): Promise<Attempt> {
  const until = Date.now() + budgetMs
  let after = a.after
  const pause = lookPauses(s)
  while (after && after.version === a.before.version && Date.now() < until) {
    const since = Date.now()
    await sleep(pause())
    after = seenVersion(await versionSince(s, since))
  }
  const { after: _, ...rest } = a
  return after ? { ...rest, after } : rest
}

function judgeNotices(a: Attempt, control: Control, fresh: number, enable: Observation | undefined): Observation {
  const setting = `notifications ${LABEL[control]}`
  const reason = `with ${setting} the DUT showed ${fresh} new notification(s) when an update became available`
  const evidence = a.evidence
  const open = unmet(readable(a, setting), evidence)
  if (open) return open
  if (control === 'enable')
    return fresh > 0 ? { verdict: 'PASS', reason, evidence } : given([sawOffer(a, setting)], { verdict: 'FAIL', reason, evidence })
  if (fresh > 0) return { verdict: 'FAIL', reason, evidence }
  return given([sawOffer(a, setting), madeTheDifference(enable, 'announcing an update when enabled')], {
    verdict: 'PASS',
    reason,
    evidence,
  })
}

/**
 * What enable, disable and postpone do to the notifications the device shows when it learns of
 * an update. The setting is device-wide, so one experiment serves every mechanism; it offers the
 * update on the update server with automatic updates off, so the device has something to announce
 * and no installation adds notices (such as a restart warning) of another kind.
 */
async function notifications(s: Session, mechanism: string, controls: Control[]): Promise<Experiment> {
  const results: Experiment = new Map()
  const viaServer = Object.keys(s.profile.mechanisms).find((m) => s.profile.mechanisms[m]!.via === 'update-server') ?? mechanism
  const budget = s.observe.outcomeTimeoutMs ?? 60_000
  const autoOff: SettingChange[] = s.dut.supports('change-settings', 'disable-automatic-updates') ? ['disable-automatic-updates'] : []
  // Enabled goes first: how long the device takes to show a notice sets how long the others are
  // watched before "nothing appeared" counts. Without a notice there is no such time, and the
  // others cannot PASS: they are watched only as long as the device's own reaction needs.
  let noticeMs = 0
  for (const control of ['enable', ...controls.filter((c) => c !== 'enable')] as Control[]) {
    // Each step from a clean device: an update still pending from the last step would not be
    // downloaded or announced again.
    const ready = await prepare(s, [
      ...autoOff,
      'enable-notifications',
      ...(control === 'enable' ? [] : [change(control, 'notifications')]),
    ])
    if (ready) {
      results.set(control, inconclusive(ready))
      continue
    }
    const before = (await s.dut.readNotifications()).length
    const started = Date.now()
    const settle = control === 'enable' ? 0 : holdBackMs(s, noticeMs)
    const a = await offerValid(s, viaServer, { fetchMs: budget, settleMs: settle, outcome: false })
    let fresh = (await s.dut.readNotifications()).length - before
    // A device that never asked for the offer has no update to announce: nothing to wait for.
    if (control === 'enable' && a.asked !== false) {
      const pause = lookPauses(s)
      while (fresh === 0 && Date.now() - started < budget) {
        await sleep(pause())
        fresh = (await s.dut.readNotifications()).length - before
      }
      if (fresh > 0) noticeMs = Date.now() - started
    }
    results.set(control, judgeNotices(a, control, fresh, results.get('enable')))
  }
  await freshState(s)
  return results
}

/** The result of one control of a settings experiment, run once per mechanism and feature. */
export async function controlResult(s: Session, mechanism: string, feature: Feature, control: Control): Promise<Observation> {
  const controls = declared(s, feature)
  const needed: Control[] = control === 'enable' ? ['enable'] : ['enable', control]
  const lacking = needed.find((c) => !controls.includes(c))
  if (lacking)
    return { verdict: 'INCONCLUSIVE', reason: `operation change-settings ${change(lacking, feature)} not declared in the DUT profile` }
  const experiment =
    feature === 'automatic-updates'
      ? await s.once(`settings:automatic-updates:${mechanism}`, () => automaticUpdates(s, mechanism, controls))
      : await s.once('settings:notifications', () => notifications(s, mechanism, controls))
  return experiment.get(control) ?? { verdict: 'INCONCLUSIVE', reason: `no ${control} step in the experiment` }
}

export const isControl = (v: string | undefined): v is Control => v === 'enable' || v === 'disable' || v === 'postpone'
