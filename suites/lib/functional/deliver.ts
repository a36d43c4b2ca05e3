import type { DeliveryReceipt, DutIdentity, UpdateOutcome } from '../../../core/dut.ts'
import { DutError } from '../../../core/dut.ts'
import type { Hit, OfferedImage } from '../../../emulator/index.ts'
import type { Session } from './session.ts'
import { pollWaitMs, readyTimeoutMs, sleep } from './timing.ts'

/** What happened when one image was put in front of the device. */
export interface Attempt {
  image: OfferedImage
  before: DutIdentity
  /** Absent when the device did not answer again in time. */
  after?: DutIdentity
  receipt?: DeliveryReceipt
  outcome?: UpdateOutcome
  /** Update-server delivery: whether the device asked the server, and downloaded the image whole. */
  asked?: boolean
  fetched?: boolean
  /** Evidence recorded during the attempt. */
  evidence: string[]
  /** Real milliseconds from offering the image to the device's final answer. */
  elapsedMs: number
}

export const installed = (a: Attempt): boolean => a.after !== undefined && a.after.version !== a.before.version

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
      await sleep(250)
    }
  }
}

function serveRoutes(s: Session): Set<string> {
  return new Set((s.profile.updateServer?.routes ?? []).filter((r) => r.serve === 'image').map((r) => r.name))
}

/** Offers the image on the emulator and lets the device find it, as it would in the field. */
async function viaUpdateServer(s: Session, image: OfferedImage, since: number, wait: WaitFor) {
  const server = await s.emulator()
  server.resetState()
  await server.offer(image)
  try {
    if (s.dut.supports('check-now')) await s.dut.checkNow()
    const serves = serveRoutes(s)
    const asked = await server.waitForHit((h: Hit) => !serves.has(h.route ?? ''), { timeoutMs: pollWaitMs(s), since })
    const fetched = asked
      ? await server.waitForHit((h: Hit) => serves.has(h.route ?? '') && h.completed, { timeoutMs: wait.fetchMs, since })
      : undefined
    const outcome = fetched && wait.outcome && s.dut.supports('read-outcome') ? await s.dut.readOutcome() : undefined
    return { asked: asked !== undefined, fetched: fetched !== undefined, outcome }
  } finally {
    server.withdraw()
  }
}

/** Hands the image to the device the way the profile says (upload, or a URL to fetch). */
async function viaDeliverImage(s: Session, image: OfferedImage, wait: WaitFor) {
  const byUrl = s.profile.operations['deliver-image']?.mode === 'url'
  const server = byUrl ? await s.emulator() : undefined
  if (server) await server.offer(image)
  try {
    const imageUrl = server ? `${server.url}${s.profile.updateServer!.imagePath.replace('{{image.name}}', encodeURIComponent(image.name))}` : undefined
    const receipt = await s.dut.deliverImage(image, imageUrl ? { imageUrl } : {})
    const outcome = wait.outcome && s.dut.supports('read-outcome') ? await s.dut.readOutcome() : undefined
    return { receipt, outcome }
  } finally {
    server?.withdraw()
  }
}

export interface WaitFor {
  /** How long to wait for the download once the device asked. */
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
export async function attempt(s: Session, mechanism: string, image: OfferedImage, wait: WaitFor): Promise<Attempt> {
  const via = s.profile.mechanisms[mechanism]?.via
  if (!via) throw new Error(`the DUT profile does not say how to drive ${mechanism} (mechanisms.${mechanism}.via)`)
  const mark = s.evidence.mark()
  const before = await s.dut.identify()
  const since = Date.now()
  const seen = via === 'update-server' ? await viaUpdateServer(s, image, since, wait) : await viaDeliverImage(s, image, wait)
  if (wait.settleMs > 0) await sleep(wait.settleMs)
  const after = await identifyWhenBack(s)
  return {
    image,
    before,
    ...(after && { after }),
    ...seen,
    evidence: s.evidence.since(mark).map((e) => e.id),
    elapsedMs: Date.now() - since,
  }
}

/** Puts the device back on its baseline software, if the profile says how; false otherwise. */
export async function restoreBaseline(s: Session, baseline: DutIdentity): Promise<boolean> {
  if (!s.dut.supports('restore')) return false
  await s.dut.restore()
  const now = await identifyWhenBack(s)
  return now?.version === baseline.version
}
