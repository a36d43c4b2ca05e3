// 5.3-5 on an update server the device shares (suites/lib/functional/observe-checks.ts with
// observe.identity): a second device, a lab script and a browser reach the real emulator while the
// device is watched. With the device's identity declared only its own checks are counted and the
// others are named as strangers; without it, a mix of devices leaves the units open instead of
// letting other clients' checks pass a device.
//
// Time is compressed: one device day is 120 real ms, the window 6.5 device days.
import { Agent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { ObserveSection } from '../../../profile/types.ts'
import { fakeSession, NETWORK, runUnit, type FakeSession } from './fake-session.ts'

const DAY_MS = 120
const WINDOW_DAYS = 6.5

const timers = new Set<NodeJS.Timeout>()
const agents = new Set<Agent>()
afterEach(async () => {
  for (const t of timers) clearTimeout(t)
  timers.clear()
  await Promise.all([...agents].map((a) => a.destroy()))
  agents.clear()
})

const IDENTITY: ObserveSection = { identity: { server: [{ query: 'hw', equals: 'dev-1' }] } }

/** A client of the update server: what it asks, on which device days after the restart. */
interface Client {
  path: string
  days: number[]
}

const every = (start: number, step: number): number[] =>
  Array.from({ length: Math.floor((WINDOW_DAYS - start) / step) + 1 }, (_, i) => start + i * step)

/** The others on the lab's update server: a second device, a script that polls without a name, a browser. */
const STRANGERS: Client[] = [
  { path: '/v1/check?hw=dev-2&version=1.0.0', days: every(0.05, 0.4) },
  { path: '/v1/check', days: every(0.2, 0.7) },
  { path: '/', days: [0.3] },
]

/** The session: on the restart, each client makes real requests to the real emulator on its days. */
async function shared(deviceDays: number[], observe?: ObserveSection): Promise<FakeSession> {
  const s = await fakeSession({
    emulator: 'real',
    timeScale: 86_400_000 / DAY_MS,
    observationSeconds: (WINDOW_DAYS * DAY_MS) / 1000,
    ...(observe && { observe }),
  })
  const base = (await s.emulator()).url
  const agent = new Agent()
  agents.add(agent)
  const clients: Client[] = [{ path: '/v1/check?hw=dev-1&version=1.0.0', days: deviceDays }, ...STRANGERS]
  // A first connection is slow to set up; made before the restart, it is no check of the window.
  await (await request(`${base}/`, { dispatcher: agent })).body.dump()
  s.dut.onReboot = (_dut, at) => {
    for (const c of clients)
      for (const day of c.days) {
        const timer = setTimeout(
          () => {
            timers.delete(timer)
            request(`${base}${c.path}`, { dispatcher: agent })
              .then((res) => res.body.dump())
              .catch(() => {})
          },
          Math.max(0, at + day * DAY_MS - Date.now()),
        )
        timers.add(timer)
      }
  }
  return s
}

// Periodic checks (5.3-5-2b) are asked for by V2.1.1 only.
const unit = (s: FakeSession, id: string) => runUnit(s, id, { target: NETWORK, ...(id === '5.3-5-2b' && { standard: 'en303645-v2.1.1' }) })

/** The harness entry that names the strangers, among the evidence the unit cites. */
function strangersEntry(s: FakeSession, cited: readonly string[] | undefined) {
  const entry = s.evidence.since(0).find((e) => e.channel === 'harness' && e.summary.includes('other clients'))
  expect(entry).toBeDefined()
  expect(cited).toContain(entry!.id)
  return entry!.detail as { strangers: Array<{ method: string; path: string; identity: string; count: number }> }
}

describe('5.3-5 with other clients on the update server', () => {
  it('PASS: a device that checks daily, counted alone despite three other clients', async () => {
    const s = await shared(every(0.1, 1), IDENTITY)
    const periodic = await unit(s, '5.3-5-2b')
    expect(periodic).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(
        /^[67] checks within 6\.50 days, median interval 2\d\.\d h; \d+ requests from other clients left out \(/,
      ),
    })
    expect(periodic.reason).toContain('GET /v1/check, hw=dev-2 ×')
    // Counted together, the other clients' polls would put the median near a few hours.
    expect(await unit(s, '5.3-5-2c')).toMatchObject({ verdict: 'PASS', reason: expect.stringContaining("agrees with the IXIT's P1D") })
    expect(await unit(s, '5.3-5-2a')).toMatchObject({ verdict: 'PASS' })

    const { strangers } = strangersEntry(s, periodic.evidence)
    expect(strangers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', path: '/v1/check', identity: 'hw=dev-2' }),
        expect.objectContaining({ method: 'GET', path: '/v1/check', identity: 'no device name' }),
        expect.objectContaining({ method: 'GET', path: '/', identity: 'no device name', count: 1 }),
      ]),
    )
  })

  it('FAIL: a device that checks once, however regularly the others check', async () => {
    const s = await shared([0.1], IDENTITY)
    const periodic = await unit(s, '5.3-5-2b')
    expect(periodic).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        /^1 check\(s\) within 6\.50 days after the device was back: no periodic checking; \d+ requests from other clients left out/,
      ),
    })
    expect(strangersEntry(s, periodic.evidence).strangers.length).toBe(3)
    expect(await unit(s, '5.3-5-2c')).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringContaining('fewer than two checks') })
  })

  it('INCONCLUSIVE: nothing names the device while others come, as when observe.identity is wrong', async () => {
    const s = await shared([], IDENTITY)
    // A silent device and a device whose name the profile got wrong look alike: no verdict on either.
    for (const id of ['5.3-5-2a', '5.3-5-2b'])
      expect(await unit(s, id)).toMatchObject({
        verdict: 'INCONCLUSIVE',
        reason: expect.stringMatching(
          /^no request in the window named the device as observe.identity says, but \d+ requests from other clients left out \(.*\): if one of them is the device, correct observe.identity$/,
        ),
      })
  })

  it('without a declared identity, two devices on the server leave the units open', async () => {
    // The flawed device of the test above: counted with the second device's polls, it would pass.
    const s = await shared([0.1])
    const periodic = await unit(s, '5.3-5-2b')
    expect(periodic).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(
        /^the update checks seen name more than one device \(hw: dev-2 \(\d+\), dev-1 \(1\)\), so they cannot all be the device's: declare observe.identity in the DUT profile \(would have been: PASS, /,
      ),
    })
    expect(await unit(s, '5.3-5-2c')).toMatchObject({ verdict: 'INCONCLUSIVE' })
  })
})
