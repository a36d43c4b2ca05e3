import { afterAll, describe, expect, it } from 'vitest'
import { createCa, issueServerCert } from '../../fixtures/certs.ts'
import { UnknownFlawError } from '../../sim/errors.ts'
import { FLAW_NAMES, formatFlawList, parseFlaws, type FlawName } from '../../sim/flaws.ts'
import { createReferenceSetup } from '../../sim/setup.ts'
import { attacksFor, sleep, StubUpdateServer, waitFor, type Harness, startDevice } from './helpers.ts'

/** Runs `body` against a device with exactly this one flaw switched on. */
async function withFlaw(flaw: FlawName, body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startDevice({ flaws: [flaw] })
  try {
    await body(h)
  } finally {
    await h.close()
  }
}

async function withServer(h: Harness, body: (server: StubUpdateServer) => Promise<void>, tls = h.setup.tls.server): Promise<void> {
  const server = await StubUpdateServer.start(h.setup.updateServerUrl, tls)
  try {
    await body(server)
  } finally {
    await server.close()
  }
}

async function uploadAttack(h: Harness, name: string) {
  const attacks = await attacksFor(h.setup)
  try {
    return (await h.api.upload(attacks.byName.get(name)!.image)).json
  } finally {
    await attacks.cleanup()
  }
}

const tested = new Set<string>()
const flawTest = (flaw: FlawName, title: string, body: (h: Harness) => Promise<void>) => {
  tested.add(flaw)
  it(`${flaw}: ${title}`, () => withFlaw(flaw, body))
}

describe('flaw switches: each breaks exactly the one behaviour it names', () => {
  flawTest('accept-unsigned', 'installs an unsigned image, but still refuses a wrongly signed one', async (h) => {
    expect(await uploadAttack(h, 'untrusted-key')).toMatchObject({ accepted: false, code: 'untrusted-key' })
    expect(await uploadAttack(h, 'signature-removed')).toMatchObject({ accepted: true, version: '1.1.0' })
    await h.api.status((s) => s.state === 'installed')
    expect(await h.api.version()).toBe('1.1.0')
  })

  flawTest('skip-signature-check', 'installs an image signed by an untrusted key', async (h) => {
    expect(await uploadAttack(h, 'untrusted-key')).toMatchObject({ accepted: true })
    await h.api.status((s) => s.state === 'installed')
    expect(await h.api.version()).toBe('1.1.0')
  })

  flawTest('header-only-hash', 'installs an image whose payload was altered after signing', async (h) => {
    expect(await uploadAttack(h, 'signature-removed')).toMatchObject({ accepted: false, code: 'unsigned' })
    expect(await uploadAttack(h, 'payload-byte')).toMatchObject({ accepted: true })
    expect(await h.api.version()).toBe('1.1.0')
  })

  flawTest('no-anti-rollback', 'installs the older validly signed version', async (h) => {
    expect((await h.api.upload(h.setup.images.older)).json).toMatchObject({ accepted: true, version: '0.9.0' })
    expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '0.9.0', counter: 90 })
  })

  it('the conformant device, once updated, refuses the version it ran before', async () => {
    const h = await startDevice()
    try {
      expect((await h.api.upload(h.setup.images.valid)).json).toMatchObject({ accepted: true, version: '1.1.0' })
      await h.api.status((s) => s.state === 'installed')
      expect((await h.api.upload(h.setup.images.baseline)).json).toMatchObject({ accepted: false })
      expect(await h.api.version()).toBe('1.1.0')
    } finally {
      await h.close()
    }
  })

  flawTest('ignore-hardware-id', 'installs an image signed for other hardware', async (h) => {
    expect((await h.api.upload(h.setup.images.otherHardware)).json).toMatchObject({ accepted: true })
    expect(await h.api.version()).toBe('1.1.0')
  })

  flawTest('no-boot-check', 'makes its first check one period after boot instead of right after initialization', async (h) => {
    await withServer(h, async (server) => {
      const booted = performance.now()
      await h.api.post('/api/reboot')
      await waitFor(() => server.checks().length > 0, 2000)
      // One device day is 200 ms; the conformant device checks 0.3 ms after its boot.
      expect(server.checks()[0]!.at - booted).toBeGreaterThan(180)
    })
  })

  flawTest('no-periodic-check', 'checks once after boot and then never again', async (h) => {
    await withServer(h, async (server) => {
      await h.api.post('/api/reboot')
      await sleep(1000) // five device days
      expect(server.checks()).toHaveLength(1)
    })
  })

  flawTest('auto-update-off-by-default', 'starts with automatic updates off and waits for the user', async (h) => {
    expect((await h.api.get('/api/settings')).json).toEqual({ autoUpdate: false, notifications: true })
    await withServer(h, async (server) => {
      server.offer(h.setup.images.valid, '1.1.0')
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.state === 'pending-user')
      expect(await h.api.version()).toBe('1.0.0')
    })
  })

  flawTest('notifications-off-by-default', 'starts with notifications off', async (h) => {
    expect((await h.api.get('/api/settings')).json).toEqual({ autoUpdate: true, notifications: false })
    await h.api.upload(h.setup.images.valid)
    await h.api.status((s) => s.state === 'installed')
    expect((await h.api.get('/api/notifications')).json.notifications).toEqual([])
  })

  flawTest('disable-ignored', 'installs automatically although automatic updates are off', async (h) => {
    expect((await h.api.put('/api/settings', { autoUpdate: false })).json.autoUpdate).toBe(false)
    await withServer(h, async (server) => {
      server.offer(h.setup.images.valid, '1.1.0')
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.state === 'installed')
      expect(await h.api.version()).toBe('1.1.0')
      expect((await h.api.get('/api/settings')).json.autoUpdate).toBe(false)
    })
  })

  flawTest('postpone-ignored', 'installs at once although installation was postponed', async (h) => {
    expect((await h.api.post('/api/update/postpone', { days: 7 })).json.postponedUntil).toEqual(expect.any(String))
    await withServer(h, async (server) => {
      server.offer(h.setup.images.valid, '1.1.0')
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.state === 'installed')
      expect(await h.api.version()).toBe('1.1.0')
    })
  })

  flawTest('no-notification', 'never tells the user about a pending security update or a restart', async (h) => {
    await h.api.put('/api/settings', { autoUpdate: false })
    await withServer(h, async (server) => {
      server.offer(h.setup.images.valid, '1.1.0', { security: true, risks: 'Fixes a flaw.' })
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.state === 'pending-user')
      await h.api.post('/api/update/install-pending')
      await h.api.status((s) => s.state === 'installed')
    })
    expect((await h.api.get('/api/settings')).json.notifications).toBe(true)
    expect((await h.api.get('/api/notifications')).json.notifications).toEqual([])
  })

  flawTest('wrong-model', 'reports a model designation other than the IXIT one', async (h) => {
    expect((await h.api.get('/api/info')).json.model).toBe('TS701-REF-2')
  })

  flawTest('trust-any-tls', 'talks to an impostor with a self-signed certificate and installs what it serves', async (h) => {
    const impostorCa = await createCa('127.0.0.1')
    const cert = await issueServerCert(impostorCa, { hosts: ['127.0.0.1'] })
    await withServer(
      h,
      async (server) => {
        server.offer(h.setup.images.valid, '1.1.0')
        await h.api.post('/api/update/check')
        await h.api.status((s) => s.state === 'installed')
        expect(server.checks().length).toBeGreaterThan(0)
        // The image itself is still verified: only the channel is no longer authenticated.
        expect(await h.api.version()).toBe('1.1.0')
      },
      cert,
    )
  })

  flawTest('support-page-login', 'redirects the support page to a login', async (h) => {
    const page = await h.api.call('GET', '/support', { auth: false })
    expect(page.status).toBe(302)
    expect(page.headers.location).toBe('/login?next=%2Fsupport')
    const login = await h.api.call('GET', '/login', { auth: false })
    expect(login.status).toBe(200)
    expect(login.text).toMatch(/Sign in/)
  })

  afterAll(() => {
    expect([...tested].sort()).toEqual([...FLAW_NAMES].sort())
  })
})

describe('flaw list', () => {
  it('has a one-line description for every flaw', () => {
    const lines = formatFlawList()
    expect(lines).toHaveLength(FLAW_NAMES.length)
    for (const [i, name] of FLAW_NAMES.entries()) expect(lines[i]).toMatch(new RegExp(`^${name} +\\S.+$`))
  })

  it('refuses unknown flaw names with a typed error listing the known ones', async () => {
    expect(() => parseFlaws(['no-anti-rollback', 'no-such-flaw'])).toThrow(UnknownFlawError)
    await expect(createReferenceSetup({ flaws: ['no-such-flaw'] })).rejects.toMatchObject({
      code: 'E_SIM_UNKNOWN_FLAW',
      message: expect.stringContaining('known flaws: accept-unsigned, skip-signature-check'),
    })
  })
})
