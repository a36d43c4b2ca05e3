// Impostor update servers (suites/lib/functional/impostor.ts), unit 5.3-10-1d per impostor:
// untrusted-ca, wrong-host, expired.
import { describe, expect, it, vi } from 'vitest'
import { impostorResult } from '../../../suites/lib/functional/impostor.ts'
import { timeout } from './fake-dut.ts'
import { fakeSession, genuineTls, NETWORK, runUnit, type FakeSession, type FakeSessionOptions } from './fake-session.ts'

// The tests wait on fake devices, not on the CPU: let them all run at once.
vi.setConfig({ maxConcurrency: 50 })

const IMPOSTORS = ['untrusted-ca', 'wrong-host', 'expired'] as const

/** TLS on the update server; the impostor certificates (three RSA keys) are made once for the file. */
const withTls: FakeSessionOptions = { updateServer: { tls: true }, share: ['impostor-certificates'] }

const unit = (s: FakeSession, variant: string) => runUnit(s, '5.3-10-1d', { target: NETWORK, variant })

/** The emulator is back to the genuine certificate and offers nothing once a test is over. */
async function expectGenuineAfterwards(s: FakeSession): Promise<void> {
  const emulator = await s.emulator()
  expect(emulator.offered()).toBeUndefined()
  if (s.server.tls) expect(s.server.tls.certPem).toBe((await genuineTls()).certPem)
}

describe.concurrent('impostor servers (fake update server)', () => {
  it('PASS: a device that checks the certificate refuses every impostor and fetches nothing', async ({ expect }) => {
    const s = await fakeSession(withTls)
    for (const variant of IMPOSTORS) {
      const r = await unit(s, variant)
      expect(r).toMatchObject({
        verdict: 'PASS',
        reason: 'refused the impostor server: certificate verify failed; nothing was fetched',
        source: 'observed',
      })
      expect(r.evidence?.length).toBeGreaterThan(0)
    }
    expect(s.server.hits()).toEqual([])
    expect(s.dut.version).toBe('1.0.0')
    await expectGenuineAfterwards(s)
  })

  it('FAIL: a device that trusts any certificate completes the handshake and asks the impostor', async ({ expect }) => {
    const s = await fakeSession(withTls)
    s.dut.trustsAnyCertificate = true
    s.dut.installsAutomatically = false // it downloads the update but does not install it
    const r = await unit(s, 'untrusted-ca')
    expect(r).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        /^completed a TLS handshake with an impostor server \(A certificate for 127\.0\.0\.1 issued by a self-made CA .*\) and sent GET \/v1\/check, GET \/images\/valid-image$/,
      ),
    })
    await expectGenuineAfterwards(s)
  })

  it('FAIL: a device that trusts an expired certificate installs what the impostor offers', async ({ expect }) => {
    const s = await fakeSession(withTls)
    s.dut.trustsAnyCertificate = true
    expect(await unit(s, 'expired')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        /^installed an image from an impostor server \(A certificate for 127\.0\.0\.1 from the trusted CA that expired yesterday\.\): 1\.0\.0 → 1\.1\.0$/,
      ),
    })
  })

  it('INCONCLUSIVE: an update server on plain HTTP has no certificate to impersonate', async ({ expect }) => {
    const s = await fakeSession()
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT profile has the update server on plain HTTP; give updateServer.tls to test impostors',
    })
    expect(s.dut.calls).toEqual([])
  })

  it('INCONCLUSIVE: wrong-host and expired need the CA the device trusts; untrusted-ca does not', async ({ expect }) => {
    const s = await fakeSession({ updateServer: { tls: 'without-ca' } })
    expect(await unit(s, 'wrong-host')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'a wrong-host impostor needs the CA the DUT trusts (updateServer.tls.caCertFile and caKeyFile)',
    })
    expect(await unit(s, 'expired')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'a expired impostor needs the CA the DUT trusts (updateServer.tls.caCertFile and caKeyFile)',
    })
    expect(await unit(s, 'untrusted-ca')).toMatchObject({ verdict: 'PASS' })
  })

  it('INCONCLUSIVE: a device that makes no connection attempt', async ({ expect }) => {
    const s = await fakeSession({ ...withTls, observationSeconds: 0.1 })
    s.dut.contactsServer = false
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT made no connection attempt to the update server during the test',
    })
    await expectGenuineAfterwards(s)
  })

  it('INCONCLUSIVE: a device that does not answer', async ({ expect }) => {
    const s = await fakeSession(withTls)
    s.dut.fault = (op) => (op === 'identify' ? timeout('identify') : undefined)
    expect(await unit(s, 'untrusted-ca')).toMatchObject({ verdict: 'INCONCLUSIVE', reason: 'identify: no answer within 300 ms' })
  })

  it('each impostor is presented once per mechanism', async ({ expect }) => {
    const s = await fakeSession(withTls)
    const first = await impostorResult(s, NETWORK, 'wrong-host')
    expect(await impostorResult(s, NETWORK, 'wrong-host')).toBe(first)
    expect(s.dut.calls.filter((op) => op === 'check-now')).toHaveLength(1)
  })

  it('a device that trusts no certificate at all, not even the genuine one', async ({ expect }) => {
    const s = await fakeSession(withTls)
    s.dut.trustsNoCertificate = true
    // KNOWN GAP: PASS "refused the impostor server" although the device refuses the genuine
    // server just the same (its updates are broken): the judge never shows, as a positive control,
    // that the device completes a handshake with the genuine certificate; should be INCONCLUSIVE.
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'PASS',
      reason: 'refused the impostor server: certificate verify failed; nothing was fetched',
    })
    // The same device against the genuine server: it never gets through either.
    await s.dut.checkNow()
    expect(s.server.hits()).toEqual([])
  })
})

describe('impostor servers (real update-server emulator, real TLS)', () => {
  // The fake server stands in for TLS; here a device that really verifies the certificate chain
  // and host name talks to the real emulator, which swaps in the impostor's certificate.
  it('PASS: a verifying TLS client refuses the impostor, and talks to the genuine server afterwards', async () => {
    const s = await fakeSession({ ...withTls, emulator: 'real' })
    const r = await unit(s, 'wrong-host')
    expect(r).toMatchObject({ verdict: 'PASS', reason: expect.stringMatching(/^refused the impostor server: .+; nothing was fetched$/) })
    const emulator = await s.emulator()
    expect(emulator.hits()).toEqual([])
    // Positive control of the test itself: the same client gets through to the genuine certificate.
    await s.dut.checkNow()
    expect(emulator.hits().map((h) => h.route)).toEqual(['check-idle'])
  })

  it('FAIL: a client that skips certificate verification installs from the impostor', async () => {
    const s = await fakeSession({ ...withTls, emulator: 'real' })
    s.dut.trustsAnyCertificate = true
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(/^installed an image from an impostor server \(.*\): 1\.0\.0 → 1\.1\.0$/),
    })
  })
})
