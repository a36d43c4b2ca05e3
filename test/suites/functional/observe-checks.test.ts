// Update checks after a restart (suites/lib/functional/observe-checks.ts), units 5.3-5-2a (a check
// after initialization), 5.3-5-2b (periodic checks) and 5.3-5-2c (the period the IXIT claims).
//
// The profile compresses time: one device day is 200 real ms, the observation window 1.2 real
// seconds (6 device days). The fake device places its checks on the emulator's timeline when it
// restarts, so the window holds exactly the checks the test scripts.
import { describe, expect, it, vi } from 'vitest'
import {
  checkTimeline,
  judgeBootCheck,
  judgePeriodClaim,
  judgePeriodic,
  type CheckTimeline,
} from '../../../suites/lib/functional/observe-checks.ts'
import type { Assessment, UpdMech } from '../../../ixit/types.ts'
import type { Acted } from '../../../harness/session.ts'
import { FakeDut, operationsWithout, timeout } from './fake-dut.ts'
import { fakeSession, NETWORK, referenceAssessment, runUnit, type FakeSession, type FakeSessionOptions } from './fake-session.ts'

// The tests wait on fake devices, not on the CPU: let them all run at once.
vi.setConfig({ maxConcurrency: 50 })

// A day of 200 ms keeps the few milliseconds a loaded machine adds to a timer below an hour of device
// time; at 25 ms a day they moved a check by half a day.
const DAY_MS = 200
const COMPRESSED: FakeSessionOptions = { timeScale: 86_400_000 / DAY_MS, observationSeconds: (6 * DAY_MS) / 1000 }

/** The device checks its update server at these device days after each restart. */
function checksOnDays(s: FakeSession, days: number[]): void {
  s.dut.onReboot = (_dut, at) => {
    for (const d of days) s.server.hit({ path: '/v1/check', route: 'check-idle', time: at + d * DAY_MS })
  }
}

async function session(days: number[], o: FakeSessionOptions = {}): Promise<FakeSession> {
  const s = await fakeSession({ ...COMPRESSED, ...o })
  checksOnDays(s, days)
  return s
}

// Periodic checks (5.3-5-2b) are asked for by V2.1.1 only.
const unit = (s: FakeSession, id: string, assessment?: Assessment) =>
  runUnit(s, id, { target: NETWORK, ...(assessment && { assessment }), ...(id === '5.3-5-2b' && { standard: 'en303645-v2.1.1' }) })

/** The reference assessment with UpdMech-Network's checking facts changed. */
async function claiming(change: (m: UpdMech) => void): Promise<Assessment> {
  const a = structuredClone(await referenceAssessment())
  change(a.ixit['7-UpdMech'].find((m) => m.id === NETWORK)!)
  return a
}

describe.concurrent('observing update checks', () => {
  it('PASS: a check right after the restart, then one a day as the IXIT says', async ({ expect }) => {
    const s = await session([0.1, 1.1, 2.1, 3.1])
    const boot = await unit(s, '5.3-5-2a')
    expect(boot).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(
        /^first check \d+\.\d (s|min|h) after the device was back \(seen by (the identify operation|its first check)\)$/,
      ),
    })
    expect(boot.evidence?.length).toBeGreaterThan(0)
    expect(await unit(s, '5.3-5-2b')).toMatchObject({
      verdict: 'PASS',
      reason: '4 checks within 6.00 days, median interval 24.0 h',
    })
    expect(await unit(s, '5.3-5-2c')).toMatchObject({
      verdict: 'PASS',
      reason: "median interval 24.0 h over 4 checks agrees with the IXIT's P1D",
    })
    // One restart and one observation window for the three units.
    expect(s.dut.calls.filter((op) => op === 'reboot')).toHaveLength(1)
  })

  it('FAIL: the first check only comes with the periodic schedule', async ({ expect }) => {
    const s = await session([1, 2, 3])
    // On a loaded machine late timers move either end by some hours of device time.
    expect(await unit(s, '5.3-5-2a')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        /^the first check came (1[5-9]|[2-4]\d)\.\d h after the device was back, with the periodic schedule \(24\.0 h, the IXIT says P1D\), not after initialization$/,
      ),
    })
    expect(await unit(s, '5.3-5-2b')).toMatchObject({ verdict: 'PASS' })
  })

  it('FAIL: a check after the restart and none after it', async ({ expect }) => {
    const s = await session([0.1])
    expect(await unit(s, '5.3-5-2a')).toMatchObject({ verdict: 'PASS' })
    expect(await unit(s, '5.3-5-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: '1 check(s) within 6.00 days after the device was back: no periodic checking',
    })
    expect(await unit(s, '5.3-5-2c')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'fewer than two checks observed: no period to compare',
    })
  })

  it('FAIL: no check at all', async ({ expect }) => {
    const s = await session([])
    expect(await unit(s, '5.3-5-2a')).toMatchObject({
      verdict: 'FAIL',
      reason: 'no update check within 6.00 days after the device was back',
    })
    expect(await unit(s, '5.3-5-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: '0 check(s) within 6.00 days after the device was back: no periodic checking',
    })
  })

  it('FAIL: checks every three days where the IXIT claims one', async ({ expect }) => {
    const s = await session([0.1, 3.1])
    expect(await unit(s, '5.3-5-2c')).toMatchObject({
      verdict: 'FAIL',
      reason: "median interval 3.00 days over 2 checks disagrees with the IXIT's P1D (200 % off)",
    })
  })

  it('without a claimed period: 5.3-5-2c is open, 5.3-5-2a compares with the measured one', async ({ expect }) => {
    const noPeriod = await claiming((m) => {
      delete m.facts.checking!.period
    })
    const early = await session([0.1, 1.1, 2.1])
    expect(await unit(early, '5.3-5-2c', noPeriod)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'UpdMech-Network states no check period in its facts (checking.period)',
    })
    expect(await unit(early, '5.3-5-2a', noPeriod)).toMatchObject({ verdict: 'PASS' })
    const late = await session([0.6, 1.6, 2.6])
    expect(await unit(late, '5.3-5-2a', noPeriod)).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringContaining('with the periodic schedule (24.0 h, measured)'),
    })
  })

  it('a reboot that returns late: a periodic check soon after it is no boot check, one right after the boot is', async ({ expect }) => {
    /** The device boots at once but its reboot operation returns 0.6 days later. */
    const slowReboot = (s: FakeSession) => {
      const reboot = s.dut.reboot.bind(s.dut)
      s.dut.reboot = async () => {
        await reboot()
        await new Promise((r) => setTimeout(r, 0.6 * DAY_MS))
      }
    }
    const none = await session([1, 2, 3])
    slowReboot(none)
    expect(await unit(none, '5.3-5-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^the first check came .* after the device was back: it was seen back \(by the identify operation\)/),
    })
    const boot = await session([0.01, 1, 2, 3])
    slowReboot(boot)
    expect(await unit(boot, '5.3-5-2a')).toMatchObject({ verdict: 'PASS' })
  })

  it('only checks count: image downloads and requests before the restart do not', async ({ expect }) => {
    const s = await session([0.1])
    s.server.hit({ path: '/v1/check', route: 'check-idle', time: Date.now() - 1_000 })
    const onReboot = s.dut.onReboot!
    s.dut.onReboot = (d, at) => {
      onReboot(d, at)
      s.server.hit({ path: '/images/valid-image', route: 'image', time: at + 2 * DAY_MS })
    }
    await s.server.offer(await s.valid())
    const t = await checkTimeline(s)
    expect(t.checksAt).toHaveLength(1)
    // The emulator offers nothing while it watches: what it sees are the device's own checks.
    expect(s.server.offered()).toBeUndefined()
  })

  it('INCONCLUSIVE: a device that does not answer after the restart', async ({ expect }) => {
    const s = await session([0.1], { readyTimeoutMs: 200 })
    s.dut.fault = (op, d) => (op === 'identify' && d.calls.includes('reboot') ? timeout('identify') : undefined)
    expect(await unit(s, '5.3-5-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'check checks-after-restart failed: the DUT did not answer after the restart',
    })
  })

  it('INCONCLUSIVE: a device whose profile declares no reboot', async ({ expect }) => {
    const s = await session([0.1], { dut: new FakeDut({ operations: operationsWithout('reboot') }) })
    expect(await unit(s, '5.3-5-2b')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'reboot: operation reboot not declared in the DUT profile',
    })
  })

  it('a device whose checks fail on the TLS handshake', async ({ expect }) => {
    // (The fake update server records refused handshakes whatever its TLS setting; leaving TLS
    // out of the profile spares this file a certificate.)
    const s = await session([])
    // The device does try, right after the restart and then daily, but cannot complete the
    // handshake with the lab's update server (e.g. the profile's certificate is not the one it trusts).
    s.dut.onReboot = (_d, at) => {
      for (const day of [0.1, 1.1, 2.1]) s.server.refuseHandshake('certificate verify failed', at + day * DAY_MS)
    }
    // It tried: the failed handshakes are attempts, and the judge says so instead of "no check".
    expect(await unit(s, '5.3-5-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(
        /^the device tried to reach the update server 3 time\(s\) within 6\.00 days but the TLS handshake failed \(certificate verify failed\)/,
      ),
    })
    expect(s.server.handshakeFailures()).toHaveLength(3)
  })

  it('a window too short to hold a second check', async ({ expect }) => {
    // Half a device day of observation for a device that checks at boot and then daily: its next
    // check lies beyond the window, so only the boot check can be seen.
    const s = await session([0.1], { timeScale: 86_400_000 / 300, observationSeconds: 0.15 })
    // The window (0.5 device days) is shorter than the claimed period (P1D): it could never show a second check.
    expect(await unit(s, '5.3-5-2b')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the observation window (12.0 h) ends before a second check is due (the IXIT says every P1D): raise observationSeconds',
    })
    expect(await unit(s, '5.3-5-2c')).toMatchObject({ verdict: 'INCONCLUSIVE' })
  })
})

/**
 * A device the lab restarts from the bench, with no reboot of its own. One device day is a real
 * second here: a bench command (`sleep`) takes a tenth of one. The device's checks are placed on
 * the emulator's timeline around the bench steps, as a device that boots fast would send them.
 */
describe.concurrent('restarted by the bench', () => {
  const DAY = 1000
  const SLOW: FakeSessionOptions = { timeScale: 86_400_000 / DAY, observationSeconds: 3.6 }
  const sleepStep = { command: { argv: ['sleep', '0.2'] } }

  async function bench(bench: FakeSessionOptions['bench'], place: (s: FakeSession, action: string, acted: Acted) => void) {
    const s = await fakeSession({ ...SLOW, bench, dut: new FakeDut({ operations: operationsWithout('reboot') }) })
    const act = s.act
    s.act = async (action) => {
      const acted = await act(action)
      place(s, action, acted)
      return acted
    }
    return s
  }
  const check = (s: FakeSession, time: number) => s.server.hit({ path: '/v1/check', route: 'check-idle', time })
  /** Checks a day apart from `at`: the device's periodic schedule. */
  const daily = (s: FakeSession, at: number) => [1, 2, 3].forEach((d) => check(s, at + d * DAY))

  it('one power-cycle step: a check while it ran is no FAIL and no PASS', async ({ expect }) => {
    // The boot check (or the old boot's last one) came before the relay script exited.
    const s = await bench({ 'power-cycle': sleepStep }, (s, action, a) => {
      if (action !== 'power-cycle') return
      check(s, (a.startedAt + a.doneAt) / 2)
      daily(s, a.doneAt - 0.05 * DAY)
    })
    expect(await unit(s, '5.3-5-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(
        /^1 check\(s\) came while the bench step power-cycle ran \(0\.\d s\) and none soon after it: .*declare bench power-off and power-on/,
      ),
    })
    // The periodic checks are the device's own whichever boot sent the first.
    expect(await unit(s, '5.3-5-2c')).toMatchObject({ verdict: 'PASS' })
  })

  it('one power-cycle step, nothing while it ran: a late first check is a FAIL', async ({ expect }) => {
    const s = await bench({ 'power-cycle': sleepStep }, (s, action, a) => {
      if (action === 'power-cycle') daily(s, a.doneAt - 0.05 * DAY)
    })
    expect(await unit(s, '5.3-5-2a')).toMatchObject({ verdict: 'FAIL', reason: expect.stringContaining('not after initialization') })
  })

  const split = { 'power-cycle': sleepStep, 'power-off': sleepStep, 'power-on': sleepStep }

  it('PASS: switched off and on, the boot check came before power-on was over', async ({ expect }) => {
    const s = await bench(split, (s, action, a) => {
      // The old boot's last check came as the power went off: it is not the boot check.
      if (action === 'power-off') check(s, a.startedAt + 10)
      if (action === 'power-on') {
        check(s, (a.startedAt + a.doneAt) / 2)
        daily(s, a.startedAt)
      }
    })
    expect(await unit(s, '5.3-5-2a')).toMatchObject({ verdict: 'PASS', reason: expect.stringContaining('seen by its first check') })
    expect(await unit(s, '5.3-5-2c')).toMatchObject({
      verdict: 'PASS',
      reason: "median interval 24.0 h over 4 checks agrees with the IXIT's P1D",
    })
  })

  it('FAIL: switched off and on, only the old boot checked before the power went off', async ({ expect }) => {
    const s = await bench(split, (s, action, a) => {
      if (action === 'power-off') check(s, a.startedAt + 10)
      if (action === 'power-on') daily(s, a.startedAt)
    })
    expect(await unit(s, '5.3-5-2a')).toMatchObject({ verdict: 'FAIL', reason: expect.stringContaining('not after initialization') })
  })
})

describe('judging a timeline', () => {
  const mech = async (period?: string): Promise<UpdMech> => {
    const m = structuredClone((await referenceAssessment()).ixit['7-UpdMech'].find((e) => e.id === NETWORK)!)
    if (period === undefined) delete m.facts.checking!.period
    else m.facts.checking!.period = period
    return m
  }
  const DAY = 86_400
  const timeline = (days: number[], o: Partial<CheckTimeline> = {}): CheckTimeline => ({
    backAt: 0,
    back: 'the identify operation',
    backSpanSeconds: 0,
    checksAt: days.map((d) => d * DAY),
    windowSeconds: 10 * DAY,
    failedHandshakes: { count: 0 },
    evidence: ['E1'],
    ...o,
  })

  it('the boot check must come before half the period', async () => {
    expect(judgeBootCheck(timeline([0.49, 1.49]), await mech('P1D')).verdict).toBe('PASS')
    expect(judgeBootCheck(timeline([0.5, 1.5]), await mech('P1D')).verdict).toBe('FAIL')
    // Without a claim the measured median interval is the period; with one check there is none.
    expect(judgeBootCheck(timeline([0.6, 1.6, 3.6, 4.6]), await mech()).verdict).toBe('FAIL')
    expect(judgeBootCheck(timeline([3]), await mech()).verdict).toBe('PASS')
  })

  it('a device seen back late may have booted long before: its first check is then neither boot check nor late', async () => {
    const m = await mech('P1D')
    // Seen back 0.3 days after the restart began: the first check came 0.3 to 0.6 days after the boot.
    expect(judgeBootCheck(timeline([0.3, 1.3], { backSpanSeconds: 0.3 * DAY }), m)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        'the first check came 7.2 h to 14.4 h after the device was back: it was seen back (by the identify operation) 7.2 h after the restart began, too late to tell a check after initialization from the periodic schedule (24.0 h, the IXIT says P1D); a sooner sign of life (observe.alive) narrows it',
    })
    expect(judgeBootCheck(timeline([0.3, 1.3], { backSpanSeconds: 0.1 * DAY }), m).verdict).toBe('PASS')
    // Late even if it was back the moment it was seen.
    expect(judgeBootCheck(timeline([0.6, 1.6], { backSpanSeconds: 0.3 * DAY }), m).verdict).toBe('FAIL')
  })

  it('the measured period may be off the claimed one by half either way', async () => {
    const m = await mech('P1D')
    expect(judgePeriodClaim(timeline([0, 1.5, 3]), m).verdict).toBe('PASS')
    expect(judgePeriodClaim(timeline([0, 0.5, 1]), m).verdict).toBe('PASS')
    expect(judgePeriodClaim(timeline([0, 1.51, 3.02]), m)).toMatchObject({
      verdict: 'FAIL',
      reason: "median interval 36.2 h over 3 checks disagrees with the IXIT's P1D (51 % off)",
    })
    // The median: one missed check does not make the period wrong.
    expect(judgePeriodClaim(timeline([0, 1, 2, 4, 5]), m).verdict).toBe('PASS')
    expect(judgePeriodClaim(timeline([0, 1]), m).evidence).toEqual(['E1'])
  })

  it('two checks are periodic checking', async () => {
    const m = await mech('P1D')
    expect(judgePeriodic(timeline([0, 1]), m).verdict).toBe('PASS')
    expect(judgePeriodic(timeline([0]), m).verdict).toBe('FAIL')
  })

  it('a window that ends before the next check is due shows no missing check', async () => {
    // Ten days of window for a device that claims to check every 30: one check proves nothing either way.
    expect(judgePeriodic(timeline([0.1]), await mech('P30D'))).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the observation window (10.00 days) ends before a second check is due (the IXIT says every P30D): raise observationSeconds',
    })
    // Without a claim nothing says when the next check is due.
    expect(judgePeriodic(timeline([0.1]), await mech()).verdict).toBe('FAIL')
  })

  it('failed TLS handshakes are attempts, not silence', async () => {
    const refused = timeline([], { failedHandshakes: { count: 4, error: 'certificate unknown' } })
    for (const judged of [judgeBootCheck(refused, await mech('P1D')), judgePeriodic(refused, await mech('P1D'))])
      expect(judged).toMatchObject({
        verdict: 'INCONCLUSIVE',
        reason: expect.stringMatching(
          /^the device tried to reach the update server 4 time\(s\) within 10\.00 days but the TLS handshake failed \(certificate unknown\)/,
        ),
      })
    // A device that did check despite some failed handshakes is judged on its checks.
    const some = timeline([0.1, 1.1], { failedHandshakes: { count: 1, error: 'reset' } })
    expect(judgePeriodic(some, await mech('P1D')).verdict).toBe('PASS')
  })
})
