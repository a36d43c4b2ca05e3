// Impostor update servers (suites/lib/functional/impostor.ts), unit 5.3-10-1d per impostor:
// untrusted-ca, wrong-host, expired.
import { describe, expect, it, vi } from 'vitest'
import { certificateFingerprint } from '../../../emulator/tls.ts'
import { impostorResult } from '../../../suites/lib/functional/impostor.ts'
import { FakeDut, operationsWithout, silentAfter, timeout } from './fake-dut.ts'
import { SilentRefusalLink } from './tls-links.ts'
import { fakeSession, genuineTls, NETWORK, runUnit, type FakeSession, type FakeSessionOptions } from './fake-session.ts'

// The tests wait on fake devices, not on the CPU: let them all run at once.
vi.setConfig({ maxConcurrency: 50 })

const IMPOSTORS = ['untrusted-ca', 'wrong-host', 'expired'] as const

/** TLS on the update server; the impostor certificates (three RSA keys) are made once for the file. */
const withTls: FakeSessionOptions = { updateServer: { tls: true }, share: ['impostor-certificates'] }

const unit = (s: FakeSession, variant: string) => runUnit(s, '5.3-10-1d', { target: NETWORK, variant })

/** The harness entry that sums up what the device did with one impostor. */
const summary = (s: FakeSession, variant: string): string | undefined =>
  s.evidence.since(0).find((e) => e.channel === 'harness' && e.summary.startsWith(`impostor ${variant} `))?.summary

const FINGERPRINT = 'sha256:[0-9a-f]{64}'

const counts = (connections: number, handshakes: number, requests: number): RegExp =>
  new RegExp(`: ${connections} connection\\(s\\), ${handshakes} TLS handshake\\(s\\) completed, ${requests} request\\(s\\)$`)

/** The emulator is back to the genuine certificate and offers nothing once a test is over. */
async function expectGenuineAfterwards(s: FakeSession): Promise<void> {
  const emulator = await s.emulator()
  expect(emulator.offered()).toBeUndefined()
  if (s.server.tls) expect(s.server.tls.certPem).toBe((await genuineTls()).certPem)
}

describe.concurrent('impostor servers (fake update server)', () => {
  it('PASS: a device that checks the certificate refuses every impostor, fetches nothing, and reaches the genuine server', async ({
    expect,
  }) => {
    const s = await fakeSession(withTls)
    for (const variant of IMPOSTORS) {
      const r = await unit(s, variant)
      expect(r).toMatchObject({
        verdict: 'PASS',
        reason: 'refused the impostor server: certificate verify failed; nothing was fetched',
        source: 'observed',
      })
      expect(summary(s, variant)).toMatch(counts(1, 0, 0))
      const entry = s.evidence.since(0).find((e) => e.summary === summary(s, variant))!
      expect(r.evidence).toContain(entry.id)
    }
    // Only the positive controls: one check per impostor, each with the genuine certificate.
    const genuine = certificateFingerprint((await genuineTls()).certPem)
    expect(s.server.hits().map((h) => [h.route, h.tls?.certificateSha256])).toEqual(IMPOSTORS.map(() => ['check-idle', genuine]))
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
        new RegExp(
          `^completed a TLS handshake with an impostor server \\(A certificate for 127\\.0\\.0\\.1 issued by a self-made CA .*\\) and sent GET /v1/check \\((E\\d+)\\), GET /images/valid-image \\((E\\d+)\\) on connections accepted under the impostor's certificate ${FINGERPRINT}$`,
        ),
      ),
    })
    // The evidence entries the reason names are the unit's.
    for (const id of r.reason.match(/E\d{6}/g)!) expect(r.evidence).toContain(id)
    expect(summary(s, 'untrusted-ca')).toMatch(counts(2, 2, 2))
    await expectGenuineAfterwards(s)
  })

  it('FAIL: a device that trusts an expired certificate installs what the impostor offers', async ({ expect }) => {
    const s = await fakeSession(withTls)
    s.dut.trustsAnyCertificate = true
    expect(await unit(s, 'expired')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        new RegExp(
          `^installed an image from an impostor server \\(A certificate for 127\\.0\\.0\\.1 from the trusted CA that expired yesterday\\.\\): 1\\.0\\.0 → 1\\.1\\.0, and sent GET /v1/check \\(E\\d+\\), GET /images/valid-image \\(E\\d+\\) on connections accepted under the impostor's certificate ${FINGERPRINT}$`,
        ),
      ),
    })
  })

  it('PASS: a request on a connection made before the swap is not counted against the impostor', async ({ expect }) => {
    const s = await fakeSession(withTls)
    const genuine = (await genuineTls()).certPem
    // A keep-alive connection to the genuine server, opened before the experiment …
    const keptAlive = s.server.connection()!
    s.dut.fault = (op) => {
      // … carries a check that arrives once the impostor is in place (the race seen under load),
      // and sees the offer; the device's own new connection then refuses the impostor.
      if (op === 'check-now' && s.server.tls?.certPem !== genuine)
        s.server.hit({ path: '/v1/check', route: 'check-offering', on: keptAlive })
      return undefined
    }
    const r = await unit(s, 'wrong-host')
    expect(r).toMatchObject({ verdict: 'PASS', reason: 'refused the impostor server: certificate verify failed; nothing was fetched' })
    expect(summary(s, 'wrong-host')).toMatch(counts(1, 0, 0))
    expect(s.server.hits()[0]).toMatchObject({ route: 'check-offering', tls: { certificateSha256: certificateFingerprint(genuine) } })
  })

  it('INCONCLUSIVE: a device that stops answering after refusing the impostor', async ({ expect }) => {
    const s = await fakeSession(withTls)
    silentAfter(s.dut, 'check-now')
    expect(await unit(s, 'expired')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(
        /^the device stopped answering after refusing the impostor \(expired\): the DUT did not answer identify/,
      ),
    })
    await expectGenuineAfterwards(s)
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

  /**
   * check-now is a bench command here (a power cycle): the connection the device had in flight when
   * it ran broke off, and the device checks again `bootCheckMs` after the step, or never.
   */
  async function cutByBench(o: { trustsAny: boolean; bootCheckMs?: number }): Promise<FakeSession> {
    const bench = { 'check-now': { command: { argv: ['sleep', '0.05'] } } }
    const s = await fakeSession({ ...withTls, bench, dut: new FakeDut({ operations: operationsWithout('check-now') }) })
    s.dut.trustsAnyCertificate = o.trustsAny
    const act = s.act
    s.act = async (action) => {
      const acted = await act(action)
      if (action !== 'check-now') return acted
      s.server.refuseHandshake('ECONNRESET: socket hang up', (acted.startedAt + acted.doneAt) / 2)
      if (o.bootCheckMs !== undefined) setTimeout(() => void s.dut.check(), o.bootCheckMs).unref()
      return acted
    }
    return s
  }

  it('a connection cut while the bench step check-now ran is no refusal: what the device does afterwards decides', async ({ expect }) => {
    // Trusting any certificate, it asks the impostor once it is back: FAIL, not a PASS on the cut connection.
    expect(await unit(await cutByBench({ trustsAny: true, bootCheckMs: 100 }), 'untrusted-ca')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        /^installed an image from an impostor server .* on connections accepted under the impostor's certificate/,
      ),
    })
    // Checking the certificate, it refuses the impostor once it is back: PASS on that refusal.
    expect(await unit(await cutByBench({ trustsAny: false, bootCheckMs: 100 }), 'untrusted-ca')).toMatchObject({
      verdict: 'PASS',
      reason: 'refused the impostor server: certificate verify failed; nothing was fetched',
    })
    // Never heard from again under the impostor: the cut connection alone decides nothing.
    expect(await unit(await cutByBench({ trustsAny: true }), 'untrusted-ca')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        "the device's only connection attempts under the impostor (1) broke off while the bench step check-now ran, which may have restarted it: they may have been cut rather than refused",
    })
  })

  it('INCONCLUSIVE: a device that makes no connection attempt', async ({ expect }) => {
    const s = await fakeSession({ ...withTls, observationSeconds: 0.1 })
    s.dut.contactsServer = false
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT made no connection attempt to the update server during the test',
    })
    expect(summary(s, 'untrusted-ca')).toMatch(counts(0, 0, 0))
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
    // One check under the impostor, one with the genuine certificate back (the positive control).
    expect(s.dut.calls.filter((op) => op === 'check-now')).toHaveLength(2)
  })

  it('INCONCLUSIVE: a device that trusts no certificate at all, not even the genuine one', async ({ expect }) => {
    const s = await fakeSession(withTls)
    s.dut.trustsNoCertificate = true
    // Its refusal says nothing about impostors: with the genuine certificate back it does not get
    // through either (the positive control), so its updates are broken rather than safe.
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        'refused the impostor server (untrusted-ca), but made no request to the genuine update server afterwards either, within 200 ms: refusing every certificate is no proof of checking it',
    })
    expect(s.server.hits()).toEqual([])
    expect(s.server.handshakeFailures()).toHaveLength(2)
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
    // The judge's positive control, then the test's own: both with the genuine certificate.
    await s.dut.checkNow()
    const genuine = certificateFingerprint((await genuineTls()).certPem)
    expect(emulator.hits().map((h) => [h.route, h.tls?.certificateSha256])).toEqual([
      ['check-idle', genuine],
      ['check-idle', genuine],
    ])
  })

  it('PASS: a TLS 1.3 client that completes the handshake, sends no alert and holds the socket open has refused', async () => {
    const s = await fakeSession({ ...withTls, emulator: 'real' })
    const link = new SilentRefusalLink('hold', async () => (await s.emulator()).url, (await genuineTls()).caPem, s.dut.link!)
    s.dut.link = link
    for (const variant of ['untrusted-ca', 'wrong-host']) {
      expect(await unit(s, variant)).toMatchObject({
        verdict: 'PASS',
        reason: expect.stringMatching(
          /^refused the impostor server: completed the TLS handshake and sent no request in \d+ ms; closed at the certificate swap; nothing was fetched$/,
        ),
      })
      expect(summary(s, variant)).toMatch(counts(1, 1, 0))
    }
    // The emulator closed the held sockets when it swapped the genuine certificate back.
    expect(link.sockets).toHaveLength(2)
    await vi.waitFor(() => expect(link.sockets.every((h) => h.destroyed)).toBe(true))
  })

  it('FAIL: a client that skips certificate verification installs from the impostor', async () => {
    const s = await fakeSession({ ...withTls, emulator: 'real' })
    s.dut.trustsAnyCertificate = true
    expect(await unit(s, 'untrusted-ca')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(
        new RegExp(
          `^installed an image from an impostor server \\(.*\\): 1\\.0\\.0 → 1\\.1\\.0, and sent GET /v1/check \\(E\\d+\\), GET /images/valid-image \\(E\\d+\\) on connections accepted under the impostor's certificate ${FINGERPRINT}$`,
        ),
      ),
    })
  })
})
