import type { Observation } from '../../../harness/functional.ts'
import type { UpdMech } from '../../../ixit/types.ts'
import { durationSeconds } from '../../../core/duration.ts'
import type { Session } from './session.ts'
import { readyTimeoutMs, sleep } from './timing.ts'

export interface CheckTimeline {
  /** Real epoch ms when the restart was requested: everything after it is the new boot's doing. */
  bootedAt: number
  /** Device seconds from boot to each check the emulator saw. */
  checksAt: number[]
  windowSeconds: number
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

/**
 * Restarts the device and watches the update server for the observation window. The emulator
 * offers nothing meanwhile: what it sees are the device's own checks.
 */
async function watch(s: Session): Promise<CheckTimeline> {
  const server = await s.emulator()
  server.withdraw()
  // An MQTT subscriber sees only what is published while it listens: it must be there before the restart.
  await s.observe.listen()
  const mark = s.evidence.mark()
  // A fast device may check before it answers the API again, so time runs from the request.
  const bootedAt = Date.now()
  await s.act(s.supportsAction('reboot') || !s.supportsAction('power-cycle') ? 'reboot' : 'power-cycle')
  // Where the profile gives no way to see the device alive, the checks themselves are the sign of life.
  const alive = await s.observe.alive({ since: bootedAt, waitMs: readyTimeoutMs(s) })
  if (alive.observed && !alive.value) throw new Error('the DUT did not answer after the restart')
  const windowMs = s.profile.observationSeconds * 1000
  const done = progress(s, '5.3-5 observing update checks', bootedAt + windowMs)
  try {
    await sleep(Math.max(0, bootedAt + windowMs - Date.now()))
  } finally {
    done()
  }
  // What the profile counts as an update check (observe.checks); by default every request but image downloads.
  const checks = await s.observe.checks(bootedAt)
  return {
    bootedAt,
    checksAt: checks.map((h) => ((h.time - bootedAt) / 1000) * s.profile.timeScale),
    windowSeconds: s.profile.observationSeconds * s.profile.timeScale,
    evidence: s.evidence.since(mark).map((e) => e.id),
  }
}

export function checkTimeline(s: Session): Promise<CheckTimeline> {
  return s.once('check-timeline', () => watch(s))
}

const days = (seconds: number) => `${(seconds / 86400).toFixed(2)} device days`

function intervals(t: CheckTimeline): number[] {
  return t.checksAt.slice(1).map((at, i) => at - t.checksAt[i]!)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/**
 * A check "after initialization" comes well before one period has passed; a device whose first
 * check only arrives with its periodic schedule has no boot check.
 */
export function judgeBootCheck(t: CheckTimeline, m: UpdMech): Observation {
  const evidence = t.evidence
  const first = t.checksAt[0]
  if (first === undefined) return { verdict: 'FAIL', reason: `no update check within ${days(t.windowSeconds)} after the restart`, evidence }
  const claimed = m.facts.checking?.period ? durationSeconds(m.facts.checking.period) : undefined
  const period = claimed ?? (t.checksAt.length > 1 ? median(intervals(t)) : undefined)
  if (period !== undefined && first >= period / 2) {
    return {
      verdict: 'FAIL',
      reason: `the first check came ${days(first)} after the restart, with the periodic schedule (${days(period)}), not after initialization`,
      evidence,
    }
  }
  return { verdict: 'PASS', reason: `first check ${Math.round(first)} device seconds after the restart`, evidence }
}

export function judgePeriodic(t: CheckTimeline): Observation {
  const evidence = t.evidence
  if (t.checksAt.length < 2) {
    return {
      verdict: 'FAIL',
      reason: `${t.checksAt.length} check(s) within ${days(t.windowSeconds)} after the restart: no periodic checking`,
      evidence,
    }
  }
  return {
    verdict: 'PASS',
    reason: `${t.checksAt.length} checks within ${days(t.windowSeconds)}, every ${days(median(intervals(t)))} (median)`,
    evidence,
  }
}

/** Randomized schedules wander; half the claimed period either way still agrees with it. */
const TOLERANCE = 0.5

export function judgePeriodClaim(t: CheckTimeline, m: UpdMech): Observation {
  const evidence = t.evidence
  const claimedText = m.facts.checking?.period
  const claimed = claimedText ? durationSeconds(claimedText) : undefined
  if (claimed === undefined)
    return { verdict: 'INCONCLUSIVE', reason: `${m.id} states no check period in its facts (checking.period)`, evidence }
  if (t.checksAt.length < 2) return { verdict: 'INCONCLUSIVE', reason: 'fewer than two checks observed: no period to compare', evidence }
  const measured = median(intervals(t))
  const off = Math.abs(measured - claimed) / claimed
  return off <= TOLERANCE
    ? { verdict: 'PASS', reason: `measured period ${days(measured)} agrees with the IXIT's ${claimedText}`, evidence }
    : {
        verdict: 'FAIL',
        reason: `measured period ${days(measured)} disagrees with the IXIT's ${claimedText} (${Math.round(off * 100)} % off)`,
        evidence,
      }
}
