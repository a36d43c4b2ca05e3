/**
 * The misbehaving-device matrix: a device (or its network) that misbehaves during one experiment
 * leaves that experiment's units INCONCLUSIVE with the cause, the run completes with its reports,
 * and the other group in the same run comes out as on a conformant device. The fault is done on
 * the wire or on the bench (test/cli/misbehave.ts), never inside the harness.
 *
 * A Latin-square cover rather than the full product: every channel, every misbehaviour and every
 * experiment appears at least once.
 *
 * | row | channel | misbehaviour            | broken experiment     | trigger seen on the wire        | other group   |
 * |-----|---------|-------------------------|-----------------------|---------------------------------|---------------|
 * | 1   | http    | hang (for good)         | 5.3-5 observation     | POST /api/reboot                | 5.3-4B before |
 * | 2   | http    | garbage (that answer)   | 5.3-4B settings       | GET /api/settings               | 5.3-5 after   |
 * | 3   | http    | reboot (power cycle)¹   | 5.3-2 attack campaign | POST /api/update/check          | 5.3-4B after  |
 * | 4   | mqtt    | reset (that connection) | 5.3-2 attack campaign | PUBLISH …/cmd/update/check      | 5.3-4B after  |
 * | 5   | mqtt    | endless data            | 5.3-4B settings       | SUBSCRIBE …/state               | 5.3-5 after   |
 * | 6   | mqtt    | broker drop (mosquitto) | 5.3-5 observation     | PUBLISH …/cmd/reboot            | 5.3-4B before |
 * | 7   | serial  | console vanishes        | 5.3-4B settings       | settings                        | 5.3-2 before  |
 * | 8   | serial  | hang (for good)         | 5.3-5 observation     | reboot                          | 5.3-4B before |
 * | 9   | serial  | garbage (1.5 s burst)   | 5.3-2 attack campaign | check                           | 5.3-4B after  |
 *
 * ¹ Survivable: the device checks again after the power cycle and still gets the attack, so the
 *   row allows the run to come out exactly as the baseline (never a FAIL).
 *
 * The baseline is the conformant device over the same proxy, doing nothing. Every row must see
 * its trigger, else it tested nothing.
 *
 * Left out: reboot × 5.3-5 observation. A power cycle the lab did not ask for, in the middle of
 * the observation, goes unnoticed by 5.3-5: its boot check counts as a periodic one. On the
 * no-periodic-check device, power-cycled 2.5 s after the requested reboot, 5.3-5-2c says PASS
 * ("median interval 31.9 h over 2 checks agrees with the IXIT's P1D") where it should be
 * INCONCLUSIVE (the unrequested restart) or FAIL. The fix belongs to harness/observe or the 5.3-5
 * judges, not to this test.
 */
import { describe, expect, it } from 'vitest'
import type { Fault } from './chaos-proxy.ts'
import { benchFor, reasonsOf, runThrough, verdicts, type Bench, type Channel, type Finished } from './misbehave.ts'

const BUDGET_MS = 150_000
const GROUPS = ['5.3-2', '5.3-4B', '5.3-5']

interface Row {
  name: string
  channel: Channel
  fault: Fault
  trigger: string
  scope?: 'connection' | 'all'
  healAfterMs?: number
  /** A fault off the wire, done when the trigger is seen. */
  act?: (b: Bench) => Promise<void>
  broken: string
  other: string
  /** What every INCONCLUSIVE unit of the broken group must say. */
  cause: RegExp
  /** The experiment may survive the misbehaviour: then every unit of the run is as on the baseline. */
  absorbed?: boolean
}

const ROWS: Row[] = [
  {
    name: 'http hang',
    channel: 'http',
    fault: 'hang',
    trigger: 'POST /api/reboot',
    // For good: one hung reboot request alone is absorbed (a rebooting device may drop it), rightly.
    scope: 'all',
    broken: '5.3-5',
    other: '5.3-4B',
    cause: /reboot: .*did not answer/,
  },
  {
    name: 'http garbage',
    channel: 'http',
    fault: 'garbage',
    trigger: 'GET /api/settings',
    broken: '5.3-4B',
    other: '5.3-5',
    cause: /read-settings: .*HTTP is malformed/,
  },
  {
    name: 'http reboot (survivable)',
    channel: 'http',
    fault: 'watch',
    trigger: 'POST /api/update/check',
    act: (b) => fetch(`${b.setup.benchUrl}/power-cycle`, { method: 'POST' }).then(() => {}),
    broken: '5.3-2',
    other: '5.3-4B',
    cause: /restart|reboot|power|answer/i,
    // The reference DUT checks again after the power cycle and the emulator still offers the attack:
    // the attempt completes, so its units may rightly come out as on the baseline.
    absorbed: true,
  },
  {
    name: 'mqtt reset',
    channel: 'mqtt',
    fault: 'reset',
    trigger: 'cmd/update/check',
    broken: '5.3-2',
    other: '5.3-4B',
    cause: /check-now: the broker at \S+ closed the connection/,
  },
  {
    name: 'mqtt endless',
    channel: 'mqtt',
    fault: 'endless',
    trigger: 'ts701-ref-hw1/state',
    broken: '5.3-4B',
    other: '5.3-5',
    cause: /read-settings: the broker at \S+ did not acknowledge the subscription/,
  },
  {
    name: 'mqtt broker drop',
    channel: 'mqtt',
    fault: 'watch',
    trigger: 'cmd/reboot',
    act: (b) => b.broker!.close(),
    broken: '5.3-5',
    other: '5.3-4B',
    cause: /reboot: .*the broker at \S+ closed the connection/,
  },
  {
    name: 'serial console vanishes',
    channel: 'serial',
    fault: 'watch',
    trigger: 'settings\r\n',
    act: (b) => b.setup.console!.close(),
    broken: '5.3-4B',
    other: '5.3-2',
    cause: /read-settings: the serial port \S+ closed/,
  },
  {
    name: 'serial hang',
    channel: 'serial',
    fault: 'hang',
    trigger: 'reboot\r\n',
    scope: 'all',
    broken: '5.3-5',
    other: '5.3-4B',
    cause: /reboot: .*the console stayed silent/,
  },
  {
    name: 'serial garbage',
    channel: 'serial',
    fault: 'garbage',
    trigger: 'check\r\n',
    healAfterMs: 1500,
    broken: '5.3-2',
    other: '5.3-4B',
    cause: /check-now: no answer to "check" .*the console printed "\W*NOT A REPLY"/,
  },
]

describe.concurrent('a misbehaving device', () => {
  let baseline: Promise<Finished> | undefined
  const conformant = () =>
    (baseline ??= (async () => {
      const b = await benchFor('http', { fault: 'watch', trigger: '\u0000never\u0000' })
      try {
        return await runThrough(b, GROUPS, BUDGET_MS)
      } finally {
        await b.close()
      }
    })())

  it(
    'baseline: the conformant device passes every unit of the three groups through the proxy',
    async () => {
      const r = await conformant()
      expect(r.code).toBe(0)
      expect(r.units.filter((u) => u.verdict !== 'PASS')).toEqual([])
    },
    BUDGET_MS + 30_000,
  )

  it.each(ROWS)(
    '$name: $broken INCONCLUSIVE with the cause, $other unchanged',
    async (row) => {
      const b = await benchFor(
        row.channel,
        { fault: row.fault, trigger: row.trigger, scope: row.scope, healAfterMs: row.healAfterMs },
        (bench) => {
          void row.act?.(bench).catch(() => {})
        },
      )
      try {
        const groups = GROUPS.filter((g) => g === row.broken || g === row.other)
        const r = await runThrough(b, groups, BUDGET_MS)
        expect([0, 1, 2]).toContain(r.code)
        expect(r.reports).toEqual({ junit: true, html: true })
        expect(b.proxy.fired, 'the trigger never came: the row tested nothing').toBe(true)
        expect(r.stderr).not.toMatch(/\n\s+at /)
        expect(r.units.filter((u) => u.verdict === 'FAIL')).toEqual([])
        const broken = r.units.filter((u) => u.id.startsWith(`${row.broken}-`) && u.verdict === 'INCONCLUSIVE')
        for (const u of broken) expect(u.reason, `${u.id} ${u.variant ?? ''}`).toMatch(row.cause)
        const base = await conformant()
        if (row.absorbed && broken.length === 0) expect(verdicts(r.units, row.broken)).toEqual(verdicts(base.units, row.broken))
        else expect(broken.length).toBeGreaterThan(0)
        expect(verdicts(r.units, row.other), reasonsOf(r.units, row.other)).toEqual(verdicts(base.units, row.other))
      } finally {
        await b.close()
      }
    },
    BUDGET_MS + 60_000,
  )
})
