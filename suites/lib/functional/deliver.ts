import type { DeliveryReceipt, DutIdentity, UpdateOutcome } from '../../../core/dut.ts'
import { DutError } from '../../../core/dut.ts'
import { Deadline } from '../../../core/duration.ts'
import type { Hit, OfferedImage } from '../../../emulator/index.ts'
import { required, type CheckSeen, type Reading } from '../../../harness/observe/types.ts'
import type { Session } from './session.ts'
import { pollWaitMs, readyTimeoutMs, sleep, watchStepMs } from './timing.ts'

/** How the image reached the device: served to it on its update server, uploaded, or fetched from a URL it was given. */
export type Delivery = 'update-server' | 'upload' | 'url'

/**
 * An image put in front of the device. `tamperedPart`: the companion file that carries an attack's
 * change; the device has received the attack only once it downloaded that part whole.
 */
export interface ImageUnderTest extends OfferedImage {
  tamperedPart?: string
}

/** What happened when one image was put in front of the device. */
export interface Attempt {
  image: ImageUnderTest
  delivery: Delivery
  /** The named delivery (`operations.deliveries.<name>`) the mechanism drives; absent for `operations.deliver-image`. */
  deliveryName?: string
  before: VersionSeen
  /** Absent when the device did not answer again in time. */
  after?: VersionSeen
  /** Why `after` is absent, when the version is observed elsewhere than through identify. */
  lost?: string
  receipt?: DeliveryReceipt
  outcome?: UpdateOutcome
  /** Update-server delivery: whether the device asked the server, and how often. */
  asked?: boolean
  asks?: number
  /** Update-server delivery: whether the device got the announcement (a request answered by a route `when: offering`). */
  announced?: boolean
  /** Update-server and URL delivery: whether the device downloaded the image whole from the emulator. */
  fetched?: boolean
  /**
   * Why the wait for the download ended before its bound, in words for a reason: the device showed
   * it would not fetch the image (it checked again without downloading, or reported a refusal).
   */
  declined?: string
  /** Whether anything reports outcomes and the attempt waited for the report. */
  reports: boolean
  /** Evidence recorded during the attempt. */
  evidence: string[]
  /** Real milliseconds from offering the image to the device's final answer. */
  elapsedMs: number
}

export const installed = (a: Attempt): boolean => a.after !== undefined && a.after.version !== a.before.version

/** A version as the observation layer read it: identify by default, or what the profile's `observe.version` names. */
export interface VersionSeen {
  version: string
  /** In words, for reasons: `the identify operation`, `the update server (route inventory)`. */
  source: string
}

export const seenVersion = (r: Reading<string>): VersionSeen | undefined =>
  r.observed ? { version: r.value, source: r.source } : undefined

/** The version the device runs now; an unobserved version ends the experiment (E_OBSERVE_MISSING). */
export async function currentVersion(s: Session): Promise<VersionSeen> {
  const r = required(await s.observe.version(), 'version')
  return { version: r.value, source: r.source }
}

/**
 * The version the device shows after something happened at `since` (an installation, a restore):
 * a report made from then on, or identify once the device answers again. Without `since` (the
 * device took part in nothing that could change it), its latest report stands.
 */
export function versionSince(s: Session, since?: number): Promise<Reading<string>> {
  return s.observe.version({ ...(since !== undefined && { since }), waitMs: readyTimeoutMs(s) })
}

/**
 * Where the device's own report of the outcome and the version read back contradict each other.
 * Neither is the truth then: the unit stays open, naming both.
 */
export function disagreement(a: Attempt): string | undefined {
  const o = a.outcome
  if (!o || !a.after || (o.state !== 'installed' && o.state !== 'rejected')) return undefined
  const report = `the device reported ${o.state}${o.version ? ` ${o.version}` : ''}${o.detail ? ` (${o.detail})` : ''}`
  const read = `${a.after.source} shows ${installed(a) ? `${a.before.version} → ${a.after.version}` : `still ${a.after.version}`}`
  const contradicts =
    (o.state === 'installed') !== installed(a) || (o.state === 'installed' && o.version !== undefined && o.version !== a.after.version)
  return contradicts ? `${report}, but ${read}` : undefined
}

/**
 * A time stamp later than anything recorded so far. Requests and reports are stamped in whole
 * milliseconds and read "from `since` on": without this, an attempt that starts in the millisecond
 * the last one ended would be credited with the last one's check, download or report.
 */
async function nextMillisecond(): Promise<number> {
  const last = Date.now()
  while (Date.now() <= last) await sleep(1)
  return Date.now()
}

/** Identifies the device, waiting for it to come back if it is restarting. */
export async function identifyWhenBack(s: Session, budgetMs = readyTimeoutMs(s)): Promise<DutIdentity | undefined> {
  const until = Date.now() + budgetMs
  for (;;) {
    try {
      return await s.dut.identify()
    } catch (err) {
      const retryable = err instanceof DutError && (err.code === 'E_DUT_UNREACHABLE' || err.code === 'E_DUT_TIMEOUT')
      if (!retryable || Date.now() > until) {
        if (err instanceof DutError && err.code === 'E_DUT_PROTOCOL') throw err
        return undefined
      }
      await sleep(watchStepMs(s))
    }
  }
}

function serveRoutes(s: Session): Set<string> {
  return new Set((s.profile.updateServer?.routes ?? []).filter((r) => r.serve === 'image').map((r) => r.name))
}

/** Routes that answer only while an image is offered: a hit on one is the device reading the announcement. */
function offerRoutes(s: Session): Set<string> {
  return new Set((s.profile.updateServer?.routes ?? []).filter((r) => r.when === 'offering').map((r) => r.name))
}

/** Offers the image on the emulator and lets the device find it, as it would in the field. */
async function viaUpdateServer(s: Session, image: ImageUnderTest, since: number, wait: WaitFor) {
  const server = await s.emulator()
  server.resetState()
  // Offers name the genuine image's hash beside the one served, as a real job would.
  await server.offer(image, { valid: await s.valid().catch(() => undefined) })
  try {
    if (s.supportsAction('check-now')) await s.act('check-now')
    const asked = await s.observe.nextCheck(since, pollWaitMs(s))
    const { fetched, declined } = asked ? await fetchedSince(s, image, since, wait.fetchMs, asked) : { fetched: false }
    const outcome = fetched && wait.outcome ? await reported(s, since) : undefined
    // How often it asked, for the reason when it never downloaded (a client in back-off, a broken
    // download), and whether it read the announcement (a device may refuse an offer it read).
    const asks = fetched ? undefined : (await s.observe.checks(since)).length
    const offers = offerRoutes(s)
    const announced = fetched || server.hits().some((h) => h.time >= since && offers.has(h.route ?? ''))
    return {
      asked: asked !== undefined,
      fetched,
      announced,
      ...(declined !== undefined && { declined }),
      ...(asks !== undefined && { asks }),
      ...outcome,
    }
  } finally {
    server.withdraw()
  }
}

/**
 * Further checks, each the same request as the device's first, that show it declined an offer it
 * read: a client may put the download off by one poll, so one check more is no refusal yet.
 */
const DECLINING_CHECKS = 2

interface Fetch {
  fetched: boolean
  declined?: string
}

/**
 * Whether the device downloaded the offered image whole from the emulator since `since`. The wait
 * ends as soon as the download completed or the device showed it will not make it, and after
 * `timeoutMs` at the latest. `first`: the device's first update check of the attempt, when it made
 * one (a delivery by URL has none); only then can a further check say anything.
 */
async function fetchedSince(s: Session, image: ImageUnderTest, since: number, timeoutMs: number, first?: CheckSeen): Promise<Fetch> {
  const serves = serveRoutes(s)
  const server = await s.emulator()
  const until = Date.now() + timeoutMs
  const refusal = refusalSince(s, since)
  for (;;) {
    const hits = server.hits().filter((h: Hit) => h.time >= since)
    // The main file, or the part that carries the change: an intact manifest beside a flipped
    // payload is not the attack.
    const images = hits.filter((h) => serves.has(h.route ?? '') && h.part === image.tamperedPart)
    if (images.some((h) => h.completed && h.status < 400)) return { fetched: true }
    // A download broken off (perhaps to be retried) is waited for to the bound. One still under way
    // shows nowhere yet (the emulator records a request once answered); a poller that downloads
    // does not poll meanwhile, and two further checks are asked for before the wait ends.
    const read = first ? readAt(s, hits, first) : since
    if (images.length === 0 && read !== undefined) {
      const declined = refusal.said(read) ?? (first && (await checkedAgain(s, read, first)))
      if (declined) {
        s.evidence.record({
          channel: 'harness',
          summary: `stopped waiting for the download of ${image.name}: ${declined.why}`,
          detail: { image: image.name, waitedMs: Date.now() - since, boundMs: timeoutMs, evidence: declined.evidence },
        })
        return { fetched: false, declined: declined.why }
      }
    }
    const left = until - Date.now()
    if (left <= 0) return { fetched: false }
    // Woken by the device's next request, so a download is seen when it ends rather than a watch
    // step later (that step was most of the time an attack took against a fast device); a
    // refusal the device reports elsewhere is still looked for every step.
    const seen = new Set(hits.map((h) => h.id))
    const step = Deadline.after(Math.min(watchStepMs(s), left))
    const woke = await server.waitForHit((h) => !seen.has(h.id), { since, timeoutMs: step.remaining() })
    // A closing emulator answers every wait at once: the step is then waited out by the clock.
    if (woke === undefined) await step.sleep()
  }
}

interface Declined {
  why: string
  evidence: string[]
}

const at = (ms: number): string => new Date(ms).toISOString()

/**
 * When the device read the announcement: its first request to a route that answers only while an
 * image is offered, else (no such route: the check's own answer announces) its first check.
 */
function readAt(s: Session, hits: readonly Hit[], first: CheckSeen): number | undefined {
  const offers = offerRoutes(s)
  return offers.size === 0 ? first.time : hits.find((h) => offers.has(h.route ?? ''))?.time
}

/**
 * A final refusal the device reported from `since` on, once it has come; `said(from)` takes it
 * only when it came at `from` or later (after the device read the offer: a late report on the
 * attempt before is not about this one). Only sources read from a moment on count: an operation
 * answers with its last outcome, which may be the previous attempt's.
 */
function refusalSince(s: Session, since: number): { said: (from: number) => Declined | undefined } {
  const source = s.observe.sources.outcome
  if (source !== 'server' && source !== 'mqtt' && source !== 'console') return { said: () => undefined }
  let said: (Declined & { at: number }) | undefined
  s.observe.outcome(since).then(
    (r) => {
      if (!r.observed || r.value.state !== 'rejected') return
      const detail = r.value.detail ? ` (${r.value.detail})` : ''
      said = {
        at: r.at,
        why: `the device reported rejected${detail} at ${at(r.at)} without downloading the image: it declined the offer`,
        evidence: r.evidence,
      }
    },
    // A report that cannot be read is for the outcome wait to say; here it only ends nothing early.
    () => undefined,
  )
  return { said: (from) => (said && said.at >= from ? { why: said.why, evidence: said.evidence } : undefined) }
}

/**
 * The device asked its update server again after it had read the announcement at `read`, with no image
 * request in between: a poller that declines an offer asks again on its next poll instead of
 * downloading. Only the same request as its first check counts: a hawkBit-style client reads the
 * deployment on another resource, and reports status and inventory on others, before it downloads.
 */
async function checkedAgain(s: Session, read: number, first: CheckSeen): Promise<Declined | undefined> {
  const same = s.observe.sources.checks === 'server'
  const again = (await s.observe.checks(read + 1)).filter((c) => c.evidence !== first.evidence && (!same || c.what === first.what))
  if (again.length < DECLINING_CHECKS) return undefined
  const times = again.slice(0, DECLINING_CHECKS).map((c) => at(c.time))
  return {
    why: `the device checked again at ${times.join(' and ')} (${first.what}) without downloading the image: it declined the offer`,
    evidence: again.slice(0, DECLINING_CHECKS).map((c) => c.evidence),
  }
}

/** The outcome the device reported from `since` on, where anything reports outcomes, and when it said it. */
async function reported(s: Session, since: number): Promise<{ outcome?: UpdateOutcome; reportedAt?: number }> {
  if (!s.observe.sources.outcome) return {}
  const r = await s.observe.outcome(since)
  return r.observed ? { outcome: r.value, reportedAt: r.at } : {}
}

/** The delivery a mechanism driven via deliver-image names: its name (none for `deliver-image`) and mode. */
interface DeliveryChoice {
  name?: string
  mode?: string
}

function deliveryOf(s: Session, mechanism: string): DeliveryChoice {
  const name = s.profile.mechanisms[mechanism]?.delivery
  const ops = s.profile.operations
  if (name === undefined) return { mode: ops['deliver-image']?.mode }
  const deliveries = ops.deliveries ?? {}
  return { name, mode: Object.hasOwn(deliveries, name) ? deliveries[name]?.mode : undefined }
}

/**
 * Hands the image to the device the way the profile says (upload, or a URL to fetch), with the
 * delivery the mechanism names. A device told a URL may answer before it fetches, or never
 * fetch: the emulator's requests tell which.
 */
async function viaDeliverImage(s: Session, image: ImageUnderTest, wait: WaitFor, choice: DeliveryChoice) {
  const byUrl = choice.mode === 'url'
  const server = byUrl ? await s.emulator() : undefined
  // Served for the device to fetch, not announced: its update checks must not hand it the image too.
  if (server) await server.offer(image, { valid: await s.valid().catch(() => undefined), announce: false })
  try {
    const imageUrl = server
      ? `${server.url}${s.profile.updateServer!.imagePath.replace('{{image.name}}', encodeURIComponent(image.name))}`
      : undefined
    if (choice.name !== undefined) {
      // Only for named deliveries: evidence of profiles that name none stays as it was.
      s.evidence.record({
        channel: 'harness',
        summary: `deliver-image: ${image.name} with delivery "${choice.name}" (mode ${choice.mode ?? 'unknown'})`,
        detail: { image: image.name, delivery: choice.name, mode: choice.mode, ...(imageUrl && { imageUrl }) },
      })
    }
    const since = Date.now()
    const options = { ...(imageUrl && { imageUrl }), ...(choice.name !== undefined && { delivery: choice.name }) }
    const receipt = await s.dut.deliverImage(image, options)
    const got = server ? await fetchedSince(s, image, since, wait.fetchMs) : undefined
    const fetched = got?.fetched
    // An image never fetched has no outcome to wait for.
    const outcome = wait.outcome && fetched !== false ? await reported(s, since) : undefined
    return {
      receipt,
      ...(fetched !== undefined && { fetched }),
      ...(got?.declined !== undefined && { declined: got.declined }),
      ...outcome,
    }
  } finally {
    server?.withdraw()
  }
}

export interface WaitFor {
  /**
   * The most to wait for the download once the device asked: the wait ends earlier when the
   * download completes or the device shows it will not make it.
   */
  fetchMs: number
  /** After the device's answer, how long to keep watching for a late installation. */
  settleMs: number
  /**
   * Whether to wait for the device's outcome report. Not when the device is expected to hold the
   * update back (disabled, postponed): it then never reports a final outcome.
   */
  outcome: boolean
}

/**
 * Puts one image in front of the device through one update mechanism and records what the
 * device did. The decisive fact is the version `identify` reports before and after: outcome
 * APIs can lag, a version cannot lie about an installation that happened.
 */
export async function attempt(s: Session, mechanism: string, image: ImageUnderTest, wait: WaitFor): Promise<Attempt> {
  const via = s.profile.mechanisms[mechanism]?.via
  if (!via) throw new Error(`the DUT profile does not say how to drive ${mechanism} (mechanisms.${mechanism}.via)`)
  const mark = s.evidence.mark()
  // A device that reports only when something happens may have said nothing since the run began.
  await s.observe.listen()
  const before = await currentVersion(s)
  const since = await nextMillisecond()
  const choice: DeliveryChoice = via === 'update-server' ? {} : deliveryOf(s, mechanism)
  const delivery: Delivery = via === 'update-server' ? via : choice.mode === 'url' ? 'url' : 'upload'
  const { reportedAt, ...happened } =
    via === 'update-server' ? await viaUpdateServer(s, image, since, wait) : await viaDeliverImage(s, image, wait, choice)
  if (wait.settleMs > 0) await sleep(wait.settleMs)
  // What the device reports must come after it said it was done; identify answers for now anyway.
  // A device that never asked its update server while the image was offered cannot have taken it:
  // its latest report stands, as it did for `before`, and nothing obliges it to report again.
  const read = await versionSince(s, 'asked' in happened && !happened.asked ? undefined : (reportedAt ?? Date.now()))
  const after = seenVersion(read)
  return {
    image,
    delivery,
    ...(choice.name !== undefined && { deliveryName: choice.name }),
    reports: wait.outcome && s.observe.sources.outcome !== undefined,
    before,
    ...(after && { after }),
    ...(!read.observed && s.observe.sources.version !== 'operation' && { lost: read.reason }),
    ...happened,
    evidence: s.evidence.since(mark).map((e) => e.id),
    elapsedMs: Date.now() - since,
  }
}

/** Puts the device back on its baseline software, if the profile says how; false otherwise. */
export async function restoreBaseline(s: Session, baseline: DutIdentity | VersionSeen): Promise<boolean> {
  if (!s.supportsAction('restore')) return false
  await s.act('restore')
  const now = await versionSince(s, Date.now())
  return now.observed && now.value === baseline.version
}

/**
 * Undefined when the device runs the baseline software, putting it back first where the profile
 * says how; else why it could not be: every experiment starts from the baseline, or its verdict
 * would rest on another experiment's leftovers. `since`: only a version shown from then on counts
 * (after a reset, an older report may predate an installation that came late).
 */
export async function onBaseline(s: Session, baseline: VersionSeen, since?: number): Promise<string | undefined> {
  // Waited for like a device that may be restarting: a silent device is a reason, not an error.
  const now = await s.observe.version({ ...(since !== undefined && { since }), waitMs: readyTimeoutMs(s) })
  if (now.observed && now.value === baseline.version) return undefined
  const cannot = (r: Reading<string>, why: string) =>
    `the baseline could not be restored (device on ${r.observed ? r.value : 'an unknown version'}, baseline ${baseline.version}): ${why}${r.observed ? '' : `; no version observed: ${r.reason}`}`
  if (!s.supportsAction('restore')) return cannot(now, 'the profile declares no restore')
  try {
    await s.act('restore')
  } catch (err) {
    return cannot(now, `restore failed: ${err instanceof Error ? err.message : String(err)}`)
  }
  const after = await versionSince(s, Date.now())
  return after.observed && after.value === baseline.version ? undefined : cannot(after, 'restore did not bring it back')
}
