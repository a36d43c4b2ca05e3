import type { SettingChange } from '../../../core/dut.ts'
import type { Observation } from '../../../harness/functional.ts'
import {
  attempt,
  currentVersion,
  disagreement,
  identifyWhenBack,
  installed,
  restoreBaseline,
  seenVersion,
  versionSince,
  type Attempt,
  type VersionSeen,
  type WaitFor,
} from './deliver.ts'
import type { Session } from './session.ts'

export type Feature = 'automatic-updates' | 'notifications'
export type Control = 'enable' | 'disable' | 'postpone'

const change = (control: Control, feature: Feature) => `${control}-${feature}` as SettingChange

/**
 * Back to the initialized state on the baseline software, where the profile allows it, so no
 * experiment inherits another's leftovers: a postponement still running, notifications off, or
 * an update the device installed late, after the experiment that offered it had ended.
 */
export async function freshState(s: Session): Promise<void> {
  const baseline = await baselineVersion(s)
  const since = Date.now()
  if (s.supportsAction('factory-reset')) await s.act('factory-reset')
  // A report from now on: an older one may predate an installation that came late.
  const now = seenVersion(await versionSince(s, since))
  if (now && now.version !== baseline.version) await restoreBaseline(s, baseline)
}

/** The software experiments return to: what identify said first (the session's baseline), or the first version observed. */
export function baselineVersion(s: Session): Promise<VersionSeen> {
  if (s.observe.sources.version === 'operation') return s.baseline().then((b) => ({ version: b.version, source: 'the identify operation' }))
  return s.once('baseline-version', () => currentVersion(s))
}

/** The initialized state: after a factory reset where the profile declares one. */
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

export async function judgeDefault(s: Session, feature: Feature): Promise<Observation> {
  const { settings, reset, evidence } = await initializedSettings(s)
  const value = feature === 'automatic-updates' ? settings.automaticUpdates : settings.notifications
  const label = feature === 'automatic-updates' ? 'automatic updates' : 'update notifications'
  const state = reset ? 'after a factory reset' : 'as found (the profile declares no factory-reset)'
  if (value === undefined) return { verdict: 'INCONCLUSIVE', reason: `read-settings does not report ${label}`, evidence }
  return value
    ? { verdict: 'PASS', reason: `${label} are on ${state}`, evidence }
    : { verdict: 'FAIL', reason: `${label} are off ${state}`, evidence }
}

type Experiment = Map<Control, Observation>

const ALL: Control[] = ['enable', 'disable', 'postpone']

/** The controls the profile lets ts701 use; the experiment runs all of them once. */
function declared(s: Session, feature: Feature): Control[] {
  return ALL.filter((c) => s.dut.supports('change-settings', change(c, feature)))
}

/** Offers the valid image with the settings as they are now and records what the device did. */
async function offerValid(s: Session, mechanism: string, wait: WaitFor): Promise<Attempt> {
  return attempt(s, mechanism, await s.valid(), wait)
}

async function backToBaseline(s: Session, a: Attempt): Promise<void> {
  if (installed(a) && !(await restoreBaseline(s, a.before))) {
    throw new Error(`the DUT installed ${a.image.version} and could not be put back on ${a.before.version} (declare a restore operation)`)
  }
}

/**
 * What enable, disable and postpone do to installation. Enabling goes first and measures how
 * long an installation takes; disabled and postponed devices are then given twice that long to
 * show they really do not install.
 */
async function automaticUpdates(s: Session, mechanism: string, controls: Control[]): Promise<Experiment> {
  const results: Experiment = new Map()
  const valid = await s.valid()
  await freshState(s)
  const firstWait = s.observe.outcomeTimeoutMs ?? 60_000

  await s.dut.changeSettings('enable-automatic-updates')
  const start = Date.now()
  const enabled = await offerValid(s, mechanism, { fetchMs: firstWait, settleMs: 0, outcome: true })
  const waited = installed(enabled) ? enabled : await waitForInstall(s, enabled, firstWait)
  const installMs = Date.now() - start
  const contradiction = disagreement(waited)
  results.set(
    'enable',
    contradiction
      ? { verdict: 'INCONCLUSIVE', reason: `with automatic updates enabled ${contradiction}`, evidence: waited.evidence }
      : installed(waited)
        ? {
            verdict: 'PASS',
            reason: `with automatic updates enabled the DUT installed ${valid.version} by itself`,
            evidence: waited.evidence,
          }
        : {
            verdict: 'FAIL',
            reason: `with automatic updates enabled the DUT did not install ${valid.version} (still ${waited.after?.version ?? 'not answering'})`,
            evidence: waited.evidence,
          },
  )
  await backToBaseline(s, waited)
  const settle = Math.max(1500, 2 * installMs)

  for (const control of controls.filter((c) => c !== 'enable')) {
    await freshState(s)
    await s.dut.changeSettings('enable-automatic-updates')
    if (control === 'disable') await s.dut.changeSettings('disable-automatic-updates')
    else await s.dut.changeSettings('postpone-automatic-updates')
    const a = await offerValid(s, mechanism, { fetchMs: settle, settleMs: settle, outcome: false })
    const label = control === 'disable' ? 'disabled' : 'postponed'
    results.set(
      control,
      !a.after
        ? { verdict: 'INCONCLUSIVE', reason: `the DUT stopped answering with automatic updates ${label}`, evidence: a.evidence }
        : installed(a)
          ? { verdict: 'FAIL', reason: `installed ${valid.version} although automatic updates were ${label}`, evidence: a.evidence }
          : {
              verdict: 'PASS',
              reason: `with automatic updates ${label} the DUT stayed at ${a.after.version} for ${settle} ms after the offer`,
              evidence: a.evidence,
            },
    )
    await backToBaseline(s, a)
  }
  await freshState(s)
  return results
}

async function waitForInstall(s: Session, a: Attempt, budgetMs: number): Promise<Attempt> {
  const until = Date.now() + budgetMs
  let after = a.after
  while (after && after.version === a.before.version && Date.now() < until) {
    const since = Date.now()
    await new Promise((r) => setTimeout(r, 250))
    after = seenVersion(await versionSince(s, since))
  }
  return { ...a, ...(after && { after }) }
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
  // Enabled goes first: how long the device takes to show a notice sets how long the others are
  // watched before "nothing appeared" counts.
  let noticeMs = 0
  await freshState(s)
  for (const control of ['enable', ...controls.filter((c) => c !== 'enable')] as Control[]) {
    // Each step from a clean device: an update still pending from the last step would not be
    // downloaded or announced again.
    await freshState(s)
    if (s.dut.supports('change-settings', 'disable-automatic-updates')) await s.dut.changeSettings('disable-automatic-updates')
    await s.dut.changeSettings('enable-notifications')
    if (control !== 'enable') await s.dut.changeSettings(change(control, 'notifications'))
    const before = (await s.dut.readNotifications()).length
    const started = Date.now()
    const settle = control === 'enable' ? 0 : Math.max(1500, 2 * noticeMs)
    const a = await offerValid(s, viaServer, { fetchMs: budget, settleMs: settle, outcome: false })
    let fresh = (await s.dut.readNotifications()).length - before
    if (control === 'enable') {
      while (fresh === 0 && Date.now() - started < budget) {
        await new Promise((r) => setTimeout(r, 250))
        fresh = (await s.dut.readNotifications()).length - before
      }
      noticeMs = Date.now() - started
    }
    const label = control === 'enable' ? 'enabled' : control === 'disable' ? 'disabled' : 'postponed'
    const shouldShow = control === 'enable'
    const reason = `with notifications ${label} the DUT showed ${fresh} new notification(s) when an update became available`
    results.set(control, { verdict: fresh > 0 === shouldShow ? 'PASS' : 'FAIL', reason, evidence: a.evidence })
    await backToBaseline(s, a)
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
