// A device that reports only to its update server (reporting-device.ts) is judged on what it
// reports, through the observation layer (harness/observe/): the same PASS and FAIL as a device
// with an API; INCONCLUSIVE, naming what is missing or contradictory, where the reports do not
// let the judge decide.
import { describe, it } from 'vitest'
import { campaign, CONTROL, type CampaignResult } from '../../../suites/lib/functional/campaign.ts'
import { FakeDut, operationsWithout, timeout, type SeenImage } from './fake-dut.ts'
import { DEFAULT_ATTACKS, fakeSession, LOCAL, NETWORK, runUnit, type FakeSession } from './fake-session.ts'
import { REPORT_ROUTES, reportingSession } from './reporting-device.ts'

const verdicts = (r: CampaignResult) => Object.fromEntries([...r.byVariant].map(([name, o]) => [name, o.verdict]))
const reason = (r: CampaignResult, name: string) => r.byVariant.get(name)?.reason ?? ''
const ALL_PASS = Object.fromEntries([...DEFAULT_ATTACKS.map((a) => a.name), CONTROL].map((n) => [n, 'PASS']))

function alsoAccepts(dut: { accepts: (i: SeenImage) => boolean }, ...names: string[]): void {
  const verify = dut.accepts
  dut.accepts = (image) => names.includes(image.name) || verify(image)
}

// One at a time: each test's real emulator and reporter are closed after it (fake-session.ts).
describe('a device that reports only to its update server', () => {
  it('PASS: it rejects every attack and installs the valid image, as the device with an API does', async ({ expect }) => {
    const reporting = await reportingSession()
    const api = await fakeSession({ emulator: 'real' })
    const [r, withApi] = await Promise.all([campaign(reporting, NETWORK), campaign(api, NETWORK)])
    expect(verdicts(r)).toEqual(ALL_PASS)
    expect(verdicts(withApi)).toEqual(verdicts(r))
    expect(reason(r, 'payload-byte')).toBe(
      'rejected the payload-byte image: still at 1.0.0; the device reported rejected (signature check failed); the DUT kept answering',
    )
    expect(reason(r, CONTROL)).toBe('installed the valid image: version 1.0.0 → 1.1.0')
    // Nothing was asked of an API the device does not have.
    expect(reporting.dut.calls).not.toContain('identify')
    expect(reporting.dut.calls).not.toContain('read-outcome')
  })

  it('PASS through deliver-image too: the upload is pushed, the result read from its reports', async ({ expect }) => {
    const r = await campaign(await reportingSession(), LOCAL)
    expect(verdicts(r)).toEqual(ALL_PASS)
  })

  it('the version it already runs, offered again: refused is PASS, taken goes to the assessor, never FAIL by itself', async ({
    expect,
  }) => {
    const attacks = [{ name: 'payload-byte', kind: 'bit-flip' }]
    const conformant = await campaign(await reportingSession({ attacks, previous: true, sameVersion: true }), NETWORK)
    expect(conformant.byVariant.get('same-version')).toMatchObject({
      verdict: 'PASS',
      reason: 'read the offer of the same-version image, the version it runs (1.1.0), and did not download it',
    })
    // A device whose anti-rollback lets an equal version through reinstalls it, and reports so.
    const dut = new FakeDut({ operations: operationsWithout('identify', 'read-outcome') })
    dut.factoryFloor = true
    const s = await reportingSession({ dut, attacks, previous: true, sameVersion: true })
    const equal = await campaign(s, NETWORK)
    expect(equal.byVariant.get('same-version')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      review: true,
      reason: expect.stringMatching(
        /^installed the same-version image again: the version it already runs \(1\.1\.0\); the device reported installed; no rollback/,
      ),
    })
    expect(equal.byVariant.get('previous-version')).toMatchObject({ verdict: 'FAIL' })
    // 5.3-1-2a rests on the attacks: the replay is not one of them.
    const unit = await runUnit(s, '5.3-1-2a', { target: NETWORK })
    expect(unit).toMatchObject({ verdict: 'FAIL' })
    expect(unit.reason).not.toMatch(/same-version/)
  })

  it('a device that does not answer after the replay leaves it open, neither refused nor taken', async ({ expect }) => {
    const s = await fakeSession({ attacks: [{ name: 'payload-byte', kind: 'bit-flip' }], previous: true, sameVersion: true })
    let replayed = false
    const offer = s.server.offer.bind(s.server)
    s.server.offer = async (image) => {
      if (image.name === 'same-version') replayed = true
      return offer(image)
    }
    s.dut.fault = (op) => (replayed && op === 'identify' ? timeout('identify') : undefined)
    const r = await campaign(s, NETWORK)
    expect(r.byVariant.get('same-version')).toMatchObject({ verdict: 'INCONCLUSIVE' })
    expect(r.byVariant.get('same-version')?.reason).not.toMatch(/^(read the offer|refused|installed)/)
  })

  it("a reinstallation an outcome operation tells is not attributed to the replay: its last outcome may be the control's", async ({
    expect,
  }) => {
    const s = await fakeSession({ attacks: [{ name: 'payload-byte', kind: 'bit-flip' }], previous: true, sameVersion: true })
    s.dut.factoryFloor = true
    const r = await campaign(s, NETWORK)
    const replay = r.byVariant.get('same-version')
    expect(replay).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringMatching(/answers with the last outcome/) })
    expect(replay?.review).toBeUndefined()
  })

  it('FAIL: an attack it accepts is installed, as its version reports show', async ({ expect }) => {
    const reporting = await reportingSession()
    const api = await fakeSession({ emulator: 'real' })
    alsoAccepts(reporting.dut, 'signature-removed')
    alsoAccepts(api.dut, 'signature-removed')
    const [r, withApi] = await Promise.all([campaign(reporting, NETWORK), campaign(api, NETWORK)])
    expect(verdicts(r)).toEqual({ ...ALL_PASS, 'signature-removed': 'FAIL' })
    expect(verdicts(withApi)).toEqual(verdicts(r))
    expect(reason(r, 'signature-removed')).toBe(
      'installed the signature-removed image: version 1.0.0 → 1.1.0; the device reported installed',
    )
    expect(await runUnit(reporting, '5.3-9-2b', { target: NETWORK })).toMatchObject({ verdict: 'FAIL' })
  })

  it('INCONCLUSIVE: a device that never reports its version leaves every unit open, naming the missing observation', async ({ expect }) => {
    const s = await reportingSession({ reporting: { inventory: false } })
    expect(await runUnit(s, '5.3-1-2a', { target: NETWORK })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringContaining(
        'no version observed: the update server (route inventory) reported no version within 1000 ms: nothing came',
      ),
    })
    expect(s.dut.received).toEqual([])
  })

  it('INCONCLUSIVE: where its report and its version disagree, naming both', async ({ expect }) => {
    const s = await reportingSession({
      // It installs the unsigned image, and tells its server it rejected it.
      reporting: {
        says: (o) =>
          o.state === 'installed' && o.version === '1.1.0' && s.dut.received.at(-1)?.name === 'signature-removed'
            ? { state: 'rejected', detail: 'verification failed' }
            : o,
      },
    })
    alsoAccepts(s.dut, 'signature-removed')
    const r = await campaign(s, NETWORK)
    expect(r.byVariant.get('signature-removed')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        'the signature-removed image: the device reported rejected (verification failed), but the update server (route inventory) shows 1.0.0 → 1.1.0',
    })
    expect(verdicts(r)).toEqual({ ...ALL_PASS, 'signature-removed': 'INCONCLUSIVE' })
  })
})

describe('5.3-5 counts only what observe.checks names as update checks', () => {
  // One device day is 25 real ms; the window 6 device days (as in observe-checks.test.ts).
  const DAY_MS = 25
  const compressed = { timeScale: 86_400_000 / DAY_MS, observationSeconds: 0.15 }

  /** After each restart: one check, then only inventory reports, twice a device day. */
  function checksOnceReportsOften(s: FakeSession): void {
    s.dut.onReboot = (_dut, at) => {
      s.server.hit({ path: '/v1/check', route: 'check-idle', time: at + 0.1 * DAY_MS })
      for (let day = 0.5; day < 6; day += 0.5) s.server.hit({ path: '/v1/inventory', route: 'inventory', time: at + day * DAY_MS })
    }
  }

  const session = async (observe: boolean) => {
    const s = await fakeSession({
      ...compressed,
      dut: new FakeDut({ operations: operationsWithout('identify', 'read-outcome') }),
      routes: REPORT_ROUTES,
      ...(observe && { observe: { checks: { from: 'server', routes: ['check-offering', 'check-idle'] } } }),
    })
    checksOnceReportsOften(s)
    return s
  }

  it('FAIL: inventory reports are no update checks, once the profile says which requests are', async ({ expect }) => {
    const s = await session(true)
    expect(await runUnit(s, '5.3-5-2a', { target: NETWORK })).toMatchObject({ verdict: 'PASS' })
    expect(await runUnit(s, '5.3-5-2b', { target: NETWORK, standard: 'en303645-v2.1.1' })).toMatchObject({
      verdict: 'FAIL',
      reason: '1 check(s) within 6.00 days after the device was back: no periodic checking',
    })
    // Without identify and without observe.alive, the restart is not waited on: the checks tell.
    expect(s.dut.calls).toEqual(['reboot'])
  })

  it('without observe.checks every request but an image download counts, as before', async ({ expect }) => {
    const s = await session(false)
    expect(await runUnit(s, '5.3-5-2b', { target: NETWORK, standard: 'en303645-v2.1.1' })).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(/^12 checks within/),
    })
  })
})
