// Waits that follow the device (suites/lib/functional/deliver.ts, issue 17 point 7): the wait for
// a download ends once the device has shown it will not make it (it asked again without
// downloading, or reported a refusal), never merely because time passed; the bound stays for
// devices that show nothing, and a device that is slow to download is still waited for.
import { request } from 'undici'
import { describe, it, vi } from 'vitest'
import { attempt, installed, type WaitFor } from '../../../suites/lib/functional/deliver.ts'
import { watchStepMs } from '../../../suites/lib/functional/timing.ts'
import { campaign, CONTROL } from '../../../suites/lib/functional/campaign.ts'
import { FakeDut, operationsWithout } from './fake-dut.ts'
import { fakeSession, NETWORK, type FakeSession, type FakeSessionOptions } from './fake-session.ts'

vi.setConfig({ maxConcurrency: 10 })

/** What the campaign allows for a download when nothing reports outcomes (campaign.ts waitFor). */
const BOUND_MS = 60_000
const UNTIL_BOUND: WaitFor = { fetchMs: BOUND_MS, settleMs: 0, outcome: true }

/** A device nothing reports outcomes for: the campaign waits up to the full bound for its downloads. */
const silentDut = () => new FakeDut({ operations: operationsWithout('read-outcome') })

/** The device also polls its update server by itself every `ms` until the test ends, as a real poller does. */
function pollsEvery(s: FakeSession, ms: number, onTestFinished: (fn: () => void) => void): void {
  const timer = setInterval(() => void s.dut.check(), ms)
  onTestFinished(() => clearInterval(timer))
}

const entry = (s: FakeSession, ids: readonly string[], pattern: RegExp) =>
  s.evidence.since(0).find((e) => ids.includes(e.id) && e.channel === 'harness' && pattern.test(e.summary))

describe.concurrent('the wait for a download', () => {
  it('ends a few polls after the device read the offer and asked again without downloading', async ({ expect, onTestFinished }) => {
    const s = await fakeSession({ dut: silentDut() })
    s.dut.downloads = () => false
    pollsEvery(s, 100, onTestFinished)
    const a = await attempt(s, NETWORK, await s.valid(), UNTIL_BOUND)
    expect(a).toMatchObject({ asked: true, announced: true, fetched: false, after: { version: '1.0.0' } })
    expect(a.declined).toMatch(
      /^the device checked again at \S+ and \S+ \(GET \/v1\/check\) without downloading the image: it declined the offer$/,
    )
    expect(a.elapsedMs).toBeLessThan(BOUND_MS / 2)
    expect(entry(s, a.evidence, /^stopped waiting for the download of valid-image: the device checked again/)).toBeDefined()
  }, 20_000)

  it('lasts to its bound when the device shows nothing (it asked once and went quiet)', async ({ expect }) => {
    const s = await fakeSession({ dut: silentDut() })
    s.dut.downloads = () => false
    const a = await attempt(s, NETWORK, await s.valid(), { ...UNTIL_BOUND, fetchMs: 400 })
    expect(a).toMatchObject({ asked: true, fetched: false })
    expect(a.declined).toBeUndefined()
    expect(a.elapsedMs).toBeGreaterThanOrEqual(400)
  })

  it('waits for a device that reads the deployment, asks once more and downloads later', async ({ expect }) => {
    // hawkBit-style: the deployment is read on a resource of its own (answering only while an
    // image is offered, and counted among the checks when the profile declares none), several times.
    const s = await fakeSession({
      dut: silentDut(),
      routes: [{ name: 'deployment', method: 'GET', path: '/v1/deployment/:id', when: 'offering', status: 200 }],
    })
    let sightings = 0
    s.dut.downloadDelayMs = 600
    s.dut.downloads = () => {
      for (let i = 0; i < 3; i++) s.server.hit({ path: '/v1/deployment/1', route: 'deployment' })
      // The first sighting starts the (delayed) download; the device asks once more meanwhile.
      if (++sightings === 1) setTimeout(() => void s.dut.check(), 150)
      return sightings === 1
    }
    const a = await attempt(s, NETWORK, await s.valid(), { ...UNTIL_BOUND, fetchMs: 5_000 })
    expect(sightings).toBe(2)
    expect(a).toMatchObject({ fetched: true, after: { version: '1.1.0' } })
    expect(a.declined).toBeUndefined()
    expect(installed(a)).toBe(true)
    expect(a.elapsedMs).toBeGreaterThanOrEqual(600)
  })

  it('ends when the device reports it refused the offer, before any download', async ({ expect }) => {
    const s = await reportingSession()
    const reports: Promise<unknown>[] = []
    s.dut.downloads = () => {
      // Tells its update server, as a Mender-style client does, and downloads nothing.
      reports.push(report(s, 'manifest signature invalid'))
      return false
    }
    const bound = s.observe.outcomeTimeoutMs!
    expect(bound).toBe(20_000)
    const a = await attempt(s, NETWORK, await s.valid(), { ...UNTIL_BOUND, fetchMs: bound })
    await Promise.all(reports)
    expect(reports.length).toBe(1)
    expect(a).toMatchObject({ asked: true, fetched: false })
    expect(a.declined).toMatch(/^the device reported rejected \(manifest signature invalid\) at \S+ without downloading the image/)
    expect(a.elapsedMs).toBeLessThan(bound / 2)
    expect(entry(s, a.evidence, /^stopped waiting for the download of valid-image: the device reported rejected/)).toBeDefined()
  })

  it('is not ended by a refusal reported before the device read the offer', async ({ expect }) => {
    // Its first check may come late: the wait for it is long enough.
    const s = await reportingSession({ observationSeconds: 2 })
    // A late word on something earlier, then the check (a quarter second on) that reads this offer.
    s.dut.contactsServer = false
    const reports: Promise<unknown>[] = []
    s.dut.fault = (op, d) => {
      if (op === 'check-now') reports.push(report(s, 'an earlier job').then(() => setTimeout(() => void d.check(), 250)))
      return undefined
    }
    s.dut.downloads = () => false
    const a = await attempt(s, NETWORK, await s.valid(), { ...UNTIL_BOUND, fetchMs: 1_500 })
    await Promise.all(reports)
    expect(a).toMatchObject({ asked: true, fetched: false })
    expect(a.declined).toBeUndefined()
    expect(a.elapsedMs).toBeGreaterThanOrEqual(1_500)
  })

  it('looks at what the device did often for a fast poller, rarely for a daily one', async ({ expect }) => {
    expect(watchStepMs(await fakeSession({ observationSeconds: 0.2 }))).toBe(10)
    expect(watchStepMs(await fakeSession({ observationSeconds: 2 }))).toBe(100)
    expect(watchStepMs(await fakeSession({ observationSeconds: 86_400, updateServer: { pollInterval: 'P1D' } }))).toBe(250)
  })
})

/** A device that tells its update server (the real emulator) how each offer ended: `PUT /v1/status`. */
function reportingSession(o: FakeSessionOptions = {}): Promise<FakeSession> {
  return fakeSession({
    ...o,
    emulator: 'real',
    routes: [{ name: 'status', method: 'PUT', path: '/v1/status', status: 204 }],
    observe: {
      outcome: {
        from: 'server',
        routes: ['status'],
        extract: { state: { pointer: '/status' }, detail: { pointer: '/detail' } },
        states: { installed: ['success'], rejected: ['failure'], pending: ['downloading'] },
        timeoutMs: 20_000,
      },
    },
  })
}

/**
 * The device reports a failure to its update server, trying again once its connection fails, as a
 * real client retries a status report (under load a loopback connect was once reset).
 */
async function report(s: FakeSession, detail: string, tries = 3): Promise<void> {
  const e = await s.emulator()
  try {
    const r = await request(`${e.url}/v1/status`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'failure', detail }),
    })
    await r.body.dump()
  } catch (err) {
    if (tries <= 1) throw err
    await new Promise((resolve) => setTimeout(resolve, 100))
    await report(s, detail, tries - 1)
  }
}

describe('a campaign on a device nothing reports outcomes for', () => {
  it('does not spend the whole bound on offers the device declines, and judges them as before', async ({ expect, onTestFinished }) => {
    const s = await fakeSession({
      dut: silentDut(),
      attacks: [
        { name: 'payload-byte', kind: 'bit-flip' },
        { name: 'manifest-byte', kind: 'manifest' },
        { name: 'downgrade', kind: 'downgrade' },
      ],
    })
    // It never downloads the tampered manifest (as if it had checked it first), and refuses the
    // older version from the announcement alone (anti-rollback); it asks again on its next poll.
    s.dut.downloads = (offer) => offer.name !== 'manifest-byte'
    pollsEvery(s, 100, onTestFinished)
    const started = Date.now()
    const r = await campaign(s, NETWORK)
    const took = Date.now() - started
    // Two declined offers: the fixed wait spent two bounds on them.
    expect(took).toBeLessThan(BOUND_MS / 2)
    expect(r.byVariant.get('downgrade')).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(
        /^rejected the downgrade image: still at 1\.0\.0; the device read the offer of the older version and did not download it/,
      ),
    })
    expect(r.byVariant.get('manifest-byte')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(
        /^the device never fetched the manifest-byte image \(it asked the update server \d+ time\(s\) but did not download it\)/,
      ),
    })
    expect(r.byVariant.get('payload-byte')?.verdict).toBe('PASS')
    expect(r.byVariant.get(CONTROL)?.verdict).toBe('PASS')
    for (const name of ['downgrade', 'manifest-byte']) {
      const ids = r.byVariant.get(name)?.evidence ?? []
      expect(entry(s, ids, new RegExp(`^stopped waiting for the download of ${name}: .*it declined the offer$`)), name).toBeDefined()
    }
    // The poller may download an image a second time before the offer is withdrawn.
    expect(new Set(s.dut.received.map((i) => i.name))).toEqual(new Set(['payload-byte', CONTROL]))
  }, 40_000)
})
