import type { Observation } from '../../../harness/functional.ts'
import type { ClientMix } from '../../../harness/observe/types.ts'
import type { UpdMech } from '../../../ixit/types.ts'
import { durationSeconds, naturalDuration } from '../../../core/duration.ts'
import type { Session } from './session.ts'
import { readyTimeoutMs, sleep } from './timing.ts'

export interface CheckTimeline {
  /** Real epoch ms when the device was seen back after the restart: its boot clock starts here. */
  backAt: number
  /** How it was seen back, in words: `the identify operation`, `its first check`. */
  back: string
  /**
   * Device seconds before `backAt` in which the device may already have been back: from the
   * restart's start (or the end of power-off) until it was seen. A check's delay after the boot is
   * known only to within this span.
   */
  backSpanSeconds: number
  /** Device seconds from then to each check the profile counts (observe.checks). */
  checksAt: number[]
  /** Device seconds watched from the moment it was back. */
  windowSeconds: number
  /** TLS handshakes with the update server that failed meanwhile: the device tried, the lab's TLS stopped it. */
  failedHandshakes: { count: number; error?: string }
  /**
   * A single bench step restarted the device: the checks that came while it ran, which may be the
   * old boot's or the new boot's boot check.
   */
  unsure?: { label: string; checks: number; seconds: number }
  /** Other clients of the update server in the window (absent: none looked for). */
  clients?: ClientMix
  evidence: string[]
}

/**
 * Prints progress on a terminal, where a lab waits hours for the window to close. Suites run in
 * a worker whose stderr is no terminal, so the session says whether the CLI's own is.
 */
function progress(s: Session, label: string, endsAt: number): () => void {
  if (!s.progress) return () => {}
  const timer = setInterval(() => {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000))
    process.stderr.write(`\r${label}: ${left} s left   `)
  }, 1000)
  return () => {
    clearInterval(timer)
    process.stderr.write('\n')
  }
}

/** How the watch's restart went: from when on what the device sends is the new boot's. */
interface Restarted {
  /** Epoch ms: nothing before it counts. */
  since: number
  /** A single bench step: from when it was asked; what came until `since` may be either boot's. */
  unsureFrom?: number
  /** The bench action, for the reasons. */
  label: string
}

/**
 * A device's own reboot returns once it is back, and a fast device may check before that: its
 * checks count from the request. Switched off and on in two bench steps, nothing comes from it
 * while it is off, so what came before power-off ended is the old boot's. A single relay script or
 * operator step ends some time after the power came back: a quick device's boot check and the old
 * boot's last check look alike until the step is over.
 */
async function restart(s: Session): Promise<Restarted> {
  if (s.actionBy('reboot') === 'operation') return { since: (await s.act('reboot')).startedAt, label: 'reboot' }
  if (s.supportsAction('power-off') && s.supportsAction('power-on')) {
    const off = await s.act('power-off')
    await s.act('power-on')
    return { since: off.doneAt, label: 'power-off and power-on' }
  }
  const action = s.supportsAction('reboot') || !s.supportsAction('power-cycle') ? 'reboot' : 'power-cycle'
  const acted = await s.act(action)
  return { since: acted.doneAt, unsureFrom: acted.startedAt, label: action }
}

/**
 * Restarts the device and watches for the observation window what the profile counts as update
 * checks. The emulator offers nothing meanwhile: what it sees are the device's own checks. The
 * clock starts when the device is seen back (or at its first check, if that came sooner), not when
 * the restart was asked for: a power cycle or a slow boot is not the device's delay.
 */
async function watch(s: Session): Promise<CheckTimeline> {
  const server = await s.emulator()
  server.withdraw()
  // An MQTT subscriber or a console tap sees only what comes while it listens: it must be there before the restart.
  await s.observe.listen()
  const mark = s.evidence.mark()
  const { since: requestedAt, unsureFrom, label } = await restart(s)
  // Where the profile gives no way to see the device alive, the checks themselves are the sign of life.
  const alive = await s.observe.alive({ since: requestedAt, waitMs: readyTimeoutMs(s) })
  if (alive.observed && !alive.value) throw new Error('the DUT did not answer after the restart')
  const first = (await s.observe.checks(requestedAt))[0]
  const seen = alive.observed ? alive.at : Date.now()
  const backAt = first && first.time < seen ? first.time : seen
  const back = first && first.time < seen ? 'its first check' : alive.observed ? alive.source : 'the end of the restart'
  const windowMs = s.profile.observationSeconds * 1000
  const done = progress(s, '5.3-5 observing update checks', backAt + windowMs)
  try {
    await sleep(Math.max(0, backAt + windowMs - Date.now()))
  } finally {
    done()
  }
  const until = backAt + windowMs
  const checks = await s.observe.checks(requestedAt, until)
  const failures = server.handshakeFailures().filter((f) => f.time >= requestedAt && f.time <= until)
  const clients = await s.observe.clients(requestedAt, until)
  const strangers = clients.strangers.reduce((n, g) => n + g.count, 0)
  if (strangers > 0 || clients.mixed !== undefined)
    s.evidence.record({
      channel: 'harness',
      summary:
        strangers > 0
          ? `5.3-5: ${strangers} request(s) from other clients than the device left out`
          : `5.3-5: the update checks name more than one device (${clients.mixed})`,
      detail: { strangers: clients.strangers, ...(clients.mixed !== undefined && { mixed: clients.mixed }) },
    })
  const checksAt = checks.map((h) => (Math.max(0, h.time - backAt) / 1000) * s.profile.timeScale)
  const windowSeconds = s.profile.observationSeconds * s.profile.timeScale
  // It cannot have been back before the restart began: a single bench step may have booted it while it ran.
  const backSpanSeconds = (Math.max(0, backAt - (unsureFrom ?? requestedAt)) / 1000) * s.profile.timeScale
  // The whole watch in one entry, in device seconds: what the report draws as the timeline.
  s.evidence.record({
    channel: 'harness',
    summary: `5.3-5: ${checksAt.length} update check(s) within ${naturalDuration(windowSeconds)} after the device was back (${back})`,
    detail: {
      event: 'check-timeline',
      back,
      backAt: new Date(backAt).toISOString(),
      backSpanSeconds,
      checksAt,
      windowSeconds,
      timeScale: s.profile.timeScale,
    },
  })
  return {
    backAt,
    back,
    backSpanSeconds,
    checksAt,
    windowSeconds,
    failedHandshakes: { count: failures.length, ...(failures[0] && { error: failures[0].error }) },
    ...(unsureFrom !== undefined && {
      unsure: { label, checks: (await s.observe.checks(unsureFrom, requestedAt)).length, seconds: (requestedAt - unsureFrom) / 1000 },
    }),
    clients,
    evidence: s.evidence.since(mark).map((e) => e.id),
  }
}

export function checkTimeline(s: Session): Promise<CheckTimeline> {
  return s.once('check-timeline', () => watch(s))
}

function intervals(t: CheckTimeline): number[] {
  return t.checksAt.slice(1).map((at, i) => at - t.checksAt[i]!)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const claimOf = (m: UpdMech): { text: string; seconds: number } | undefined => {
  const text = m.facts.checking?.period
  const seconds = text ? durationSeconds(text) : undefined
  return text && seconds ? { text, seconds } : undefined
}

/**
 * A device that tried to reach the update server and failed the TLS handshake every time has not
 * shown that it never checks: the lab's certificate or TLS setup is not one it accepts.
 */
function triedButRefused(t: CheckTimeline, fewer: number): Observation | undefined {
  if (t.checksAt.length >= fewer || t.failedHandshakes.count === 0) return undefined
  return {
    verdict: 'INCONCLUSIVE',
    reason: `the device tried to reach the update server ${t.failedHandshakes.count} time(s) within ${naturalDuration(t.windowSeconds)} but the TLS handshake failed (${t.failedHandshakes.error ?? 'no detail'}): its checks could not be seen; check the emulator's certificate against what the device trusts`,
    evidence: t.evidence,
  }
}

/**
 * A boot check that came before the bench step restarting the device was over cannot be told from
 * the old boot's last check: without one after the step, the device may or may not check at boot.
 */
function unsureOf(t: CheckTimeline): Observation | undefined {
  if (!t.unsure?.checks) return undefined
  const { label, checks, seconds } = t.unsure
  return {
    verdict: 'INCONCLUSIVE',
    reason: `${checks} check(s) came while the bench step ${label} ran (${seconds.toFixed(1)} s) and none soon after it: they may be the old boot's or the boot check; declare bench power-off and power-on, so the restart has a known moment the power came back`,
    evidence: t.evidence,
  }
}

/**
 * A check "after initialization" comes well before one period has passed; a device whose first
 * check only arrives with its periodic schedule has no boot check.
 */
function bootCheck(t: CheckTimeline, m: UpdMech): Observation {
  const evidence = t.evidence
  const first = t.checksAt[0]
  const refused = triedButRefused(t, 1)
  if (refused) return refused
  if (first === undefined)
    return (
      unsureOf(t) ?? {
        verdict: 'FAIL',
        reason: `no update check within ${naturalDuration(t.windowSeconds)} after the device was back`,
        evidence,
      }
    )
  const claim = claimOf(m)
  const period = claim?.seconds ?? (t.checksAt.length > 1 ? median(intervals(t)) : undefined)
  const schedule = period === undefined ? '' : `${naturalDuration(period)}, ${claim ? `the IXIT says ${claim.text}` : 'measured'}`
  if (period !== undefined && first >= period / 2) {
    return (
      unsureOf(t) ?? {
        verdict: 'FAIL',
        reason: `the first check came ${naturalDuration(first)} after the device was back, with the periodic schedule (${schedule}), not after initialization`,
        evidence,
      }
    )
  }
  // Seen back late, the device may have booted well before: its first check may then be the periodic one.
  if (period !== undefined && first + t.backSpanSeconds >= period / 2)
    return {
      verdict: 'INCONCLUSIVE',
      reason: `the first check came ${naturalDuration(first)} to ${naturalDuration(first + t.backSpanSeconds)} after the device was back: it was seen back (by ${t.back}) ${naturalDuration(t.backSpanSeconds)} after the restart began, too late to tell a check after initialization from the periodic schedule (${schedule}); a sooner sign of life (observe.alive) narrows it`,
      evidence,
    }
  return { verdict: 'PASS', reason: `first check ${naturalDuration(first)} after the device was back (seen by ${t.back})`, evidence }
}

function periodic(t: CheckTimeline, m: UpdMech): Observation {
  const evidence = t.evidence
  const refused = triedButRefused(t, 2)
  if (refused) return refused
  if (t.checksAt.length < 2) {
    const claim = claimOf(m)
    // A window that ends before the next check is due cannot show it, whatever the device does.
    if (claim && t.windowSeconds - (t.checksAt[0] ?? 0) < claim.seconds)
      return {
        verdict: 'INCONCLUSIVE',
        reason: `the observation window (${naturalDuration(t.windowSeconds)}) ends before a second check is due (the IXIT says every ${claim.text}): raise observationSeconds`,
        evidence,
      }
    return {
      verdict: 'FAIL',
      reason: `${t.checksAt.length} check(s) within ${naturalDuration(t.windowSeconds)} after the device was back: no periodic checking`,
      evidence,
    }
  }
  return {
    verdict: 'PASS',
    reason: `${t.checksAt.length} checks within ${naturalDuration(t.windowSeconds)}, median interval ${naturalDuration(median(intervals(t)))}`,
    evidence,
  }
}

/** Randomized schedules wander; half the claimed period either way still agrees with it. */
const TOLERANCE = 0.5

/**
 * The period the IXIT claims for `m`, as an evidence entry beside the timeline, so a report can
 * draw the checks against it; undefined when it claims none.
 */
export function recordClaim(s: Session, m: UpdMech): string | undefined {
  const claim = claimOf(m)
  if (!claim) return undefined
  return s.evidence.record({
    channel: 'harness',
    summary: `5.3-5: ${m.id} declares an update check every ${claim.text}`,
    detail: { event: 'check-period-claim', mechanism: m.id, period: claim.text, seconds: claim.seconds },
  })
}

function periodClaim(t: CheckTimeline, m: UpdMech): Observation {
  const evidence = t.evidence
  const claim = claimOf(m)
  if (claim === undefined)
    return { verdict: 'INCONCLUSIVE', reason: `${m.id} states no check period in its facts (checking.period)`, evidence }
  if (t.checksAt.length < 2) return { verdict: 'INCONCLUSIVE', reason: 'fewer than two checks observed: no period to compare', evidence }
  const measured = median(intervals(t))
  const off = Math.abs(measured - claim.seconds) / claim.seconds
  const figures = `median interval ${naturalDuration(measured)} over ${t.checksAt.length} checks`
  return off <= TOLERANCE
    ? { verdict: 'PASS', reason: `${figures} agrees with the IXIT's ${claim.text}`, evidence }
    : {
        verdict: 'FAIL',
        reason: `${figures} disagrees with the IXIT's ${claim.text} (${Math.round(off * 100)} % off)`,
        evidence,
      }
}

/** `3 requests from other clients left out (GET /v1/check, hw=other ×2; GET /, no device name ×1)`. */
function strangersLeftOut(c: ClientMix): string | undefined {
  const count = c.strangers.reduce((n, g) => n + g.count, 0)
  if (count === 0) return undefined
  const named = c.strangers
    .slice(0, 3)
    .map((g) => `${g.method} ${g.path}, ${g.identity} ×${g.count}`)
    .join('; ')
  const more = c.strangers.length > 3 ? `; ${c.strangers.length - 3} more` : ''
  return `${count} request${count === 1 ? '' : 's'} from other clients left out (${named}${more})`
}

/**
 * The same judgement, honest about who else used the update server. Declared strangers were left
 * out before counting: the reason says so. Without a declared identity, checks that name several
 * devices may be anyone's: a PASS (and any period comparison) would rest on other clients' checks,
 * so it stays open; a FAIL stands only where more checks could not have changed it (`failHolds`).
 */
function minding(t: CheckTimeline, judged: Observation, failHolds: boolean): Observation {
  const c = t.clients
  if (!c) return judged
  if (c.mixed !== undefined && !(judged.verdict === 'FAIL' && failHolds))
    return {
      verdict: 'INCONCLUSIVE',
      reason: `the update checks seen name more than one device (${c.mixed}), so they cannot all be the device's: declare observe.identity in the DUT profile (would have been: ${judged.verdict}, ${judged.reason})`,
      ...(judged.evidence && { evidence: judged.evidence }),
    }
  const left = strangersLeftOut(c)
  // Nothing named the device while others came: a wrong observe.identity looks exactly like a silent device.
  if (left && c.own === 0 && judged.verdict === 'FAIL')
    return {
      verdict: 'INCONCLUSIVE',
      reason: `no request in the window named the device as observe.identity says, but ${left}: if one of them is the device, correct observe.identity`,
      ...(judged.evidence && { evidence: judged.evidence }),
    }
  return left ? { ...judged, reason: `${judged.reason}; ${left}` } : judged
}

/** 5.3-5-2a: a late first check is late whoever else checked before it. */
export function judgeBootCheck(t: CheckTimeline, m: UpdMech): Observation {
  return minding(t, bootCheck(t, m), true)
}

/** 5.3-5-2b: other clients can only add checks, so a device short of two stays short. */
export function judgePeriodic(t: CheckTimeline, m: UpdMech): Observation {
  return minding(t, periodic(t, m), true)
}

/** 5.3-5-2c: other clients' checks move the median either way. */
export function judgePeriodClaim(t: CheckTimeline, m: UpdMech): Observation {
  return minding(t, periodClaim(t, m), false)
}
