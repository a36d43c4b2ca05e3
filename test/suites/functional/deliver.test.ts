// Putting one image in front of the device (suites/lib/functional/deliver.ts): what every judge
// that delivers an image rests on. Its facts (before/after, asked, fetched, outcome) are what the
// campaign and settings judges turn into verdicts.
import { request } from 'undici'
import { describe, it, vi } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { attempt, identifyWhenBack, installed, onBaseline, restoreBaseline, type WaitFor } from '../../../suites/lib/functional/deliver.ts'
import { finalOutcome, received } from '../../../suites/lib/functional/preconditions.ts'
import { FakeDut, operationsWithout, timeout } from './fake-dut.ts'
import { fakeSession, LOCAL, NETWORK } from './fake-session.ts'

// The tests wait on fake devices, not on the CPU: let them all run at once.
vi.setConfig({ maxConcurrency: 50 })

const WAIT: WaitFor = { fetchMs: 200, settleMs: 0, outcome: true }

describe.concurrent('attempt', () => {
  it('through the update server: the device asked, downloaded the image whole and installed it', async ({ expect }) => {
    const s = await fakeSession()
    const valid = await s.valid()
    const a = await attempt(s, NETWORK, valid, WAIT)
    expect(a).toMatchObject({
      before: { version: '1.0.0' },
      after: { version: '1.1.0' },
      asked: true,
      announced: true,
      fetched: true,
      outcome: { state: 'installed', version: '1.1.0' },
    })
    expect(installed(a)).toBe(true)
    expect(a.evidence.length).toBeGreaterThan(0)
    // The offer is withdrawn once the attempt is over.
    expect(s.server.offered()).toBeUndefined()
    expect(s.dut.calls).toContain('check-now')
  })

  it('through the update server: a device that does not ask was not offered anything it saw', async ({ expect }) => {
    const s = await fakeSession({ observationSeconds: 0.05 })
    s.dut.contactsServer = false
    const a = await attempt(s, NETWORK, await s.valid(), WAIT)
    expect(a).toMatchObject({ asked: false, announced: false, fetched: false, asks: 0, after: { version: '1.0.0' } })
    expect(a.outcome).toBeUndefined()
    expect(s.dut.calls).not.toContain('read-outcome') // no outcome is read for a download that never happened
  })

  it('through the update server: a check without a download is asked but not fetched', async ({ expect }) => {
    const s = await fakeSession({ outcomeTimeoutMs: 50 })
    s.dut.downloads = () => false
    const a = await attempt(s, NETWORK, await s.valid(), WAIT)
    // It read the announcement (the route answering only while an image is offered) and stopped there.
    expect(a).toMatchObject({ asked: true, announced: true, fetched: false, asks: 1 })
    expect(installed(a)).toBe(false)
  })

  it('an update server that closes during the wait for a download: the wait goes on by the clock, starving nothing', async ({ expect }) => {
    const s = await fakeSession({ emulator: 'real', outcomeTimeoutMs: 50 })
    s.dut.downloads = () => false
    const emulator = await s.emulator()
    let ticks = 0
    const ticker = setInterval(() => ticks++, 10)
    // Closed once the device has asked: the attempt then waits for the download.
    s.dut.fault = (op) => {
      if (op === 'check-now') setTimeout(() => void emulator.close(), 30)
      return undefined
    }
    const started = Date.now()
    const a = await attempt(s, NETWORK, await s.valid(), { fetchMs: 400, settleMs: 0, outcome: false })
    clearInterval(ticker)
    expect(a).toMatchObject({ asked: true, fetched: false })
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    // A closed server answers every wait at once; waiting on it in a loop would keep timers from firing.
    expect(ticks).toBeGreaterThan((Date.now() - started) / 10 / 3)
  })

  it('a device that reports its version to its server and never asks: its last report stands, no new one is waited for', async ({
    expect,
  }) => {
    const s = await fakeSession({
      emulator: 'real',
      readyTimeoutMs: 5_000,
      routes: [{ name: 'inventory', method: 'PUT', path: '/v1/inventory', status: 204 }],
      observe: { version: { from: 'server', routes: ['inventory'], extract: { pointer: '/version' }, timeoutMs: 5_000 } },
    })
    s.dut.contactsServer = false
    const emulator = await s.emulator()
    const put = await request(`${emulator.url}/v1/inventory`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '1.0.0' }),
    })
    await put.body.dump()
    const started = Date.now()
    const a = await attempt(s, NETWORK, await s.valid(), { fetchMs: 100, settleMs: 0, outcome: false })
    expect(a).toMatchObject({ asked: false, fetched: false, before: { version: '1.0.0' }, after: { version: '1.0.0' } })
    // Waiting for a report made after the offer would take the ready timeout: the device has no reason to send one.
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it('with deliver-image: the receipt and the outcome are recorded, nothing is asked of a server', async ({ expect }) => {
    const s = await fakeSession()
    const a = await attempt(s, LOCAL, await s.valid(), WAIT)
    expect(a).toMatchObject({
      receipt: { accepted: true, message: 'installing' },
      outcome: { state: 'installed' },
      after: { version: '1.1.0' },
    })
    expect(a.asked).toBeUndefined()
    expect(s.server.hits()).toEqual([])
  })

  it('with deliver-image by URL: the device is told where the emulator serves the image', async ({ expect }) => {
    const s = await fakeSession({ deliverMode: 'url' })
    const a = await attempt(s, LOCAL, await s.valid(), WAIT)
    expect(installed(a)).toBe(true)
    expect(s.server.hits()).toMatchObject([{ path: '/images/valid-image', route: 'image', completed: true }])
  })

  it('with deliver-image by URL: a URL the device never fetches is not fetched, and no outcome is waited for', async ({ expect }) => {
    const s = await fakeSession({ deliverMode: 'url' })
    s.dut.fetchesUrl = () => false
    const a = await attempt(s, LOCAL, await s.valid(), WAIT)
    expect(a).toMatchObject({ delivery: 'url', fetched: false, receipt: { message: 'download queued' } })
    expect(a.outcome).toBeUndefined()
    expect(received(a)).toMatchObject({ name: 'received', met: false })
  })

  it('through the update server: how often a device that never downloads asked is counted', async ({ expect }) => {
    const s = await fakeSession({ outcomeTimeoutMs: 50 })
    s.dut.downloads = () => false
    // It asks twice: once on check-now, once more by itself while the offer stands.
    s.dut.fault = (op, d) => {
      if (op === 'check-now') setTimeout(() => void d.check(), 10)
      return undefined
    }
    const a = await attempt(s, NETWORK, await s.valid(), WAIT)
    expect(a).toMatchObject({ delivery: 'update-server', asked: true, fetched: false, asks: 2 })
    expect(received(a).otherwise).toBe(
      'the device never fetched the valid image (it asked the update server 2 time(s) but did not download it)',
    )
  })

  it('an attempt is not credited with the check and download of the one before, made in the same millisecond', async ({ expect }) => {
    const s = await fakeSession({ observationSeconds: 0.05 })
    const first = await attempt(s, NETWORK, await s.valid(), WAIT)
    expect(first).toMatchObject({ asked: true, fetched: true })
    await restoreBaseline(s, first.before)
    s.dut.contactsServer = false
    const second = await attempt(s, NETWORK, await s.valid(), WAIT)
    expect(second).toMatchObject({ asked: false, fetched: false })
    expect(second.outcome).toBeUndefined()
  })

  it('records whether an outcome report was waited for, and whether it was final', async ({ expect }) => {
    const s = await fakeSession()
    const a = await attempt(s, LOCAL, await s.valid(), WAIT)
    expect(a.reports).toBe(true)
    expect(finalOutcome(a).met).toBe(true)
    const held = await attempt(s, LOCAL, await s.valid(), { ...WAIT, outcome: false })
    expect(held.reports).toBe(false)
    expect(finalOutcome(held).met).toBe(true) // nothing to wait for: the version decides
    const t = await fakeSession()
    t.dut.installDelayMs = () => 5_000
    const pending = await attempt(t, LOCAL, await t.valid(), WAIT)
    expect(finalOutcome(pending)).toMatchObject({
      met: false,
      otherwise:
        'the device never reported a final outcome for the valid image (it reported pending (installing); upload: installing); its version is unchanged, but an installation may still be under way',
    })
  })

  it('waits settleMs before the last identify, for a late installation', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.installDelayMs = () => 400
    const early = await attempt(s, LOCAL, await s.valid(), { ...WAIT, outcome: false })
    expect(installed(early)).toBe(false)
    await restoreBaseline(s, early.before)
    const late = await attempt(s, LOCAL, await s.valid(), { ...WAIT, outcome: false, settleMs: 600 })
    expect(installed(late)).toBe(true)
    expect(late.elapsedMs).toBeGreaterThanOrEqual(600)
  })

  it('a device that does not answer again in time has no `after`', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.fault = (op, d) => (op === 'identify' && d.received.length > 0 ? timeout('identify') : undefined)
    const a = await attempt(s, LOCAL, await s.valid(), WAIT)
    expect(a.after).toBeUndefined()
    expect(installed(a)).toBe(false)
  })

  it('a mechanism the profile does not drive, and a failing delivery, throw', async ({ expect }) => {
    const s = await fakeSession({ mechanisms: { [NETWORK]: 'update-server' } })
    await expect(attempt(s, LOCAL, await s.valid(), WAIT)).rejects.toThrow(
      'the DUT profile does not say how to drive UpdMech-LocalUpload (mechanisms.UpdMech-LocalUpload.via)',
    )
    const t = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('deliver-image') }) })
    await expect(attempt(t, LOCAL, await t.valid(), WAIT)).rejects.toThrow(
      'deliver-image: operation deliver-image not declared in the DUT profile',
    )
  })
})

describe.concurrent('identifyWhenBack', () => {
  it('waits for a restarting device to answer again', async ({ expect }) => {
    const s = await fakeSession({ readyTimeoutMs: 2_000 })
    let silent = 2
    s.dut.fault = (op) =>
      op === 'identify' && silent-- > 0 ? new DutError('E_DUT_UNREACHABLE', 'identify', 'connection refused') : undefined
    expect(await identifyWhenBack(s)).toEqual({ model: 'TS701-REF-1', version: '1.0.0' })
    expect(s.dut.calls.filter((op) => op === 'identify')).toHaveLength(3)
  })

  it('gives up after the ready timeout, and at once on a refusal', async ({ expect }) => {
    const s = await fakeSession({ readyTimeoutMs: 300 })
    s.dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    const started = Date.now()
    expect(await identifyWhenBack(s)).toBeUndefined()
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    s.dut.fault = (op) =>
      op === 'identify' ? new DutError('E_DUT_REFUSED', 'identify', 'the device refused GET /api/info (401)') : undefined
    const calls = s.dut.calls.length
    expect(await identifyWhenBack(s)).toBeUndefined()
    expect(s.dut.calls.length).toBe(calls + 1)
  })

  it('lets a garbled answer through: that is not a device restarting', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.fault = (op) => (op === 'identify' ? new DutError('E_DUT_PROTOCOL', 'identify', 'no /firmware/version in the answer') : undefined)
    await expect(identifyWhenBack(s)).rejects.toThrow('identify: no /firmware/version in the answer')
  })
})

describe.concurrent('restoreBaseline', () => {
  it('puts the device back when the profile declares restore', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.version = '1.1.0'
    expect(await restoreBaseline(s, { model: 'TS701-REF-1', version: '1.0.0' })).toBe(true)
    expect(s.dut.version).toBe('1.0.0')
  })

  it('is false without a restore operation, or when the device stays on the other version', async ({ expect }) => {
    const s = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('restore') }) })
    expect(await restoreBaseline(s, { model: 'TS701-REF-1', version: '0.5.0' })).toBe(false)
    const t = await fakeSession()
    expect(await restoreBaseline(t, { model: 'TS701-REF-1', version: '0.5.0' })).toBe(false)
  })
})

describe.concurrent('onBaseline', () => {
  const BASELINE = { version: '1.0.0', source: 'the identify operation' }

  it('is undefined on the baseline, restoring it first where the device left it', async ({ expect }) => {
    const s = await fakeSession()
    expect(await onBaseline(s, BASELINE)).toBeUndefined()
    expect(s.dut.calls).not.toContain('restore')
    s.dut.version = '1.1.0'
    expect(await onBaseline(s, BASELINE)).toBeUndefined()
    expect(s.dut.version).toBe('1.0.0')
  })

  it('names both versions when the baseline cannot be restored, and why', async ({ expect }) => {
    const s = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('restore') }) })
    s.dut.version = '1.1.0'
    expect(await onBaseline(s, BASELINE)).toBe(
      'the baseline could not be restored (device on 1.1.0, baseline 1.0.0): the profile declares no restore',
    )
    const t = await fakeSession()
    t.dut.version = '1.1.0'
    t.dut.fault = (op) => (op === 'restore' ? timeout('restore') : undefined)
    expect(await onBaseline(t, BASELINE)).toBe(
      'the baseline could not be restored (device on 1.1.0, baseline 1.0.0): restore failed: restore: no answer within 300 ms',
    )
    const u = await fakeSession()
    u.dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    expect(await onBaseline(u, BASELINE)).toBe(
      'the baseline could not be restored (device on an unknown version, baseline 1.0.0): restore did not bring it back; no version observed: the DUT did not answer identify within 300 ms (identify: no answer within 300 ms)',
    )
  })
})

describe('attempt against the real update-server emulator', () => {
  // The fake update server mirrors what the judges read of the real one; this checks that the
  // facts an attempt records are the same when the device really speaks HTTP to the emulator.
  it('records the check and the complete download of the offered image', async ({ expect }) => {
    const s = await fakeSession({ emulator: 'real' })
    const a = await attempt(s, NETWORK, await s.valid(), WAIT)
    expect(a).toMatchObject({ asked: true, fetched: true, after: { version: '1.1.0' } })
    const emulator = await s.emulator()
    expect(emulator.hits().map((h) => `${h.route} ${h.path} ${h.completed}`)).toEqual([
      'check-offering /v1/check true',
      'image /images/valid-image true',
    ])
    expect(s.dut.received).toMatchObject([{ name: 'valid-image', version: '1.1.0', sha256: s.images.valid.sha256 }])
  })
})
