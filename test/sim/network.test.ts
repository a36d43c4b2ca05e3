import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCa, issueServerCert } from '../../fixtures/certs.ts'
import { attacksFor, sleep, StubUpdateServer, waitFor, type Harness, startDevice } from './helpers.ts'

describe('conformant reference DUT, update client (UpdMech-Network)', () => {
  let h: Harness
  let server: StubUpdateServer

  beforeEach(async () => {
    h = await startDevice()
    server = await StubUpdateServer.start(h.setup.updateServerUrl, h.setup.tls.server)
  })
  afterEach(async () => {
    await server.close()
    await h.close()
  })

  it('asks the vendor protocol with its hardware ID, version and counter', async () => {
    await h.api.post('/api/update/check')
    await waitFor(() => server.checks().length > 0)
    const q = server.checks()[0]!.query
    expect(Object.fromEntries(q)).toEqual({ hw: 'ts701-ref-hw1', version: '1.0.0', counter: '100' })
  })

  it('downloads, verifies and installs an offered update by itself (automatic updates on)', async () => {
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/update/check')
    const status = await h.api.status((s) => s.state === 'installed')
    expect(status.version).toBe('1.1.0')
    expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '1.1.0', counter: 110 })
    expect(server.hits.some((hit) => hit.path === '/images/valid-1.1.0')).toBe(true)
    const kinds = (await h.api.get('/api/notifications')).json.notifications.map((n: any) => n.kind)
    expect(kinds).toEqual(['disruption'])
  })

  it('finds the update on its own with the check after boot', async () => {
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/reboot')
    await waitFor(async () => (await h.api.version()) === '1.1.0')
  })

  it('checks after boot and then periodically (about daily, scaled)', async () => {
    // One device day is 0.2 s here; the boot check comes 120 device seconds (0.3 ms) after boot.
    const booted = performance.now()
    await h.api.post('/api/reboot')
    await sleep(1100)
    const times = server.checks().map((c) => c.at - booted)
    expect(times[0]).toBeLessThan(100)
    expect(times.length).toBeGreaterThanOrEqual(4)
    expect(times.length).toBeLessThanOrEqual(8)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    for (const gap of gaps) expect(gap).toBeGreaterThan(150)
  })

  it.each(['signature-removed', 'untrusted-key', 'payload-byte', 'truncated', 'downgrade', 'other-hardware'])(
    'rejects %s offered by the update server and keeps its version and API',
    async (name) => {
      const attacks = await attacksFor(h.setup)
      try {
        const attack = attacks.byName.get(name)!
        server.offer(attack.image, name === 'downgrade' ? '0.9.0' : '1.1.0')
        await h.api.post('/api/update/check')
        const status = await h.api.status((s) => s.state === 'rejected')
        expect(status.version).toBe('1.0.0')
        expect((await h.api.get('/api/info')).status).toBe(200)
        expect(await h.api.version()).toBe('1.0.0')
      } finally {
        await attacks.cleanup()
      }
    },
  )

  it('cuts a download that goes on past the announced size (endless data)', async () => {
    server.offer(h.setup.images.valid, '1.1.0', { extraBytes: 8 * 1024 * 1024 })
    await h.api.post('/api/update/check')
    const status = await h.api.status((s) => s.state === 'rejected')
    expect(status.detail).toMatch(/E_SIM_DOWNLOAD: more than the announced/)
    expect(await h.api.version()).toBe('1.0.0')
  })

  it('refuses a download whose SHA-256 differs from the announced one', async () => {
    server.offer(h.setup.images.valid, '1.1.0', { sha256: 'ab'.repeat(32) })
    await h.api.post('/api/update/check')
    const status = await h.api.status((s) => s.state === 'rejected')
    expect(status.detail).toMatch(/does not match the offer/)
    expect(await h.api.version()).toBe('1.0.0')
  })

  it('fetches and checks a different file even when the offer claims the running version', async () => {
    const attacks = await attacksFor(h.setup)
    try {
      server.offer(h.setup.images.valid, '1.1.0')
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.state === 'installed')
      server.offer(attacks.byName.get('payload-byte')!.image, '1.1.0')
      await h.api.post('/api/update/check')
      const status = await h.api.status((s) => s.state === 'rejected')
      expect(status.detail).toMatch(/^(rollback|payload-hash):/)
      expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '1.1.0', counter: 110 })
    } finally {
      await attacks.cleanup()
    }
  })

  it('ignores an offer of the image it already runs', async () => {
    server.offer(h.setup.images.baseline, '1.0.0')
    await h.api.post('/api/update/check')
    await waitFor(async () => (await h.api.get('/api/update/status')).json.lastCheck?.result === 'none')
    expect(server.hits.filter((hit) => hit.path.startsWith('/images/'))).toEqual([])
  })
})

describe('conformant reference DUT, update server authentication', () => {
  let h: Harness
  beforeEach(async () => {
    h = await startDevice()
  })
  afterEach(async () => {
    await h.close()
  })

  it.each([
    [
      'a self-signed certificate',
      async () => {
        const own = await createCa('127.0.0.1')
        return issueServerCert(own, { hosts: ['127.0.0.1'] })
      },
    ],
    ['a certificate of the vendor CA for another host', async () => issueServerCert(h.setup.tls.ca, { hosts: ['impostor.invalid'] })],
    [
      'an expired certificate of the vendor CA',
      async () =>
        issueServerCert(h.setup.tls.ca, {
          hosts: ['127.0.0.1'],
          notBefore: new Date(Date.now() - 10 * 86_400_000),
          notAfter: new Date(Date.now() - 86_400_000),
        }),
    ],
  ])('refuses to talk to an update server with %s', async (_what, cert) => {
    const impostor = await StubUpdateServer.start(h.setup.updateServerUrl, await cert())
    try {
      impostor.offer(h.setup.images.valid, '1.1.0')
      await h.api.post('/api/update/check')
      const status = await h.api.status((s) => s.lastCheck?.result === 'failed')
      expect(status.lastCheck.detail).toMatch(/E_SIM_CHECK/)
      await waitFor(() => impostor.tlsErrors > 0)
      await sleep(300)
      expect(impostor.hits).toEqual([])
      expect(await h.api.version()).toBe('1.0.0')
    } finally {
      await impostor.close()
    }
  })

  it('talks plain HTTP when the server URL says http', async () => {
    const plain = await startDevice({ https: false })
    const server = await StubUpdateServer.start(plain.setup.updateServerUrl)
    try {
      expect(plain.setup.updateServerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      server.offer(plain.setup.images.valid, '1.1.0')
      await plain.api.post('/api/update/check')
      await plain.api.status((s) => s.state === 'installed')
      expect(await plain.api.version()).toBe('1.1.0')
    } finally {
      await server.close()
      await plain.close()
    }
  })
})
