import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sleep, StubUpdateServer, waitFor, type Harness, startDevice } from './helpers.ts'

const RISKS = 'Fixes a flaw that could let someone on your network take control of the device.'

describe('conformant reference DUT, settings and notifications (IXIT 7-UpdMech configuration)', () => {
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

  const notifications = async () =>
    (await h.api.get('/api/notifications')).json.notifications as Array<{ kind: string; text: string; time: string }>

  it('has automatic updates and notifications on in the initialized state', async () => {
    const settings = await h.api.get('/api/settings')
    expect(settings.status).toBe(200)
    expect(settings.json).toEqual({ autoUpdate: true, notifications: true })
  })

  it('accepts partial changes and refuses unknown or mistyped settings', async () => {
    expect((await h.api.put('/api/settings', { notifications: false })).json).toEqual({ autoUpdate: true, notifications: false })
    expect((await h.api.put('/api/settings', { autoUpdate: false })).json).toEqual({ autoUpdate: false, notifications: false })
    expect((await h.api.put('/api/settings', { autoUpdates: true })).status).toBe(400)
    expect((await h.api.put('/api/settings', { autoUpdate: 'yes' })).status).toBe(400)
    expect((await h.api.post('/api/update/postpone', { days: 0 })).status).toBe(400)
    expect((await h.api.get('/api/settings')).json).toEqual({ autoUpdate: false, notifications: false })
  })

  it('with automatic updates off, keeps the update pending, tells the user, and installs on request', async () => {
    await h.api.put('/api/settings', { autoUpdate: false })
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/update/check')
    const status = await h.api.status((s) => s.state === 'pending-user')
    expect(status.detail).toMatch(/1\.1\.0 is ready to install \(automatic updates are off\)/)
    await sleep(500) // two more daily checks
    expect(await h.api.version()).toBe('1.0.0')
    expect(server.hits.filter((hit) => hit.path.startsWith('/images/'))).toHaveLength(1)
    expect(await notifications()).toEqual([{ time: expect.any(String), kind: 'available', text: 'Update available: version 1.1.0' }])

    const installed = await h.api.post('/api/update/install-pending')
    expect(installed.json).toMatchObject({ accepted: true, version: '1.1.0' })
    await h.api.status((s) => s.state === 'installed')
    expect(await h.api.version()).toBe('1.1.0')
    expect((await notifications()).map((n) => n.kind)).toEqual(['available', 'disruption'])
    expect((await h.api.post('/api/update/install-pending')).status).toBe(409)
  })

  it('installs again by itself once automatic updates are switched back on', async () => {
    await h.api.put('/api/settings', { autoUpdate: false })
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/update/check')
    await h.api.status((s) => s.state === 'pending-user')
    await h.api.put('/api/settings', { autoUpdate: true })
    await waitFor(async () => (await h.api.version()) === '1.1.0')
  })

  it('postponing automatic updates delays installation until the postponement ends', async () => {
    // One device day is 0.2 s: ten leave a loaded machine time to see the update held back.
    const postponed = await h.api.post('/api/update/postpone', { days: 10 })
    const until = Date.parse(postponed.json.postponedUntil)
    expect(until).toBeGreaterThan(0)
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/update/check')
    const status = await h.api.status((s) => s.state === 'pending-user')
    expect(status.detail).toMatch(/postponed until/)
    expect(await h.api.version()).toBe('1.0.0')
    // The verified download waits in staging; the server need not offer it again.
    server.idle()
    // The first daily check after the postponement installs it.
    const installed = await h.api.status((s) => s.state === 'installed')
    expect(Date.parse(installed.time)).toBeGreaterThanOrEqual(until)
    expect(await h.api.version()).toBe('1.1.0')
  })

  it('announces a security update as required, with the risks it mitigates', async () => {
    await h.api.put('/api/settings', { autoUpdate: false })
    server.offer(h.setup.images.valid, '1.1.0', { security: true, risks: RISKS })
    await h.api.post('/api/update/check')
    await waitFor(async () => (await notifications()).length > 0)
    expect(await notifications()).toEqual([
      { time: expect.any(String), kind: 'security-required', text: `Security update required: version 1.1.0. ${RISKS}` },
    ])
  })

  it('shows nothing while notifications are off, and the disruption notice when they are on', async () => {
    await h.api.put('/api/settings', { autoUpdate: false, notifications: false })
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/update/check')
    await h.api.status((s) => s.state === 'pending-user')
    await sleep(300)
    expect(await notifications()).toEqual([])

    await h.api.put('/api/settings', { notifications: true })
    await waitFor(async () => (await notifications()).length === 1) // the reminder at the next daily check
    await h.api.post('/api/update/install-pending')
    await h.api.status((s) => s.state === 'installed')
    expect((await notifications()).map((n) => n.kind)).toEqual(['available', 'disruption'])
  })

  it('postponing notifications holds the reminder back until the postponement ends', async () => {
    await h.api.put('/api/settings', { autoUpdate: false })
    // Ten device days are 2 s: time for a loaded machine to see the reminder held back.
    const postponed = await h.api.post('/api/notifications/postpone', { days: 10 })
    const until = Date.parse(postponed.json.notificationsPostponedUntil)
    expect(until).toBeGreaterThan(0)
    server.offer(h.setup.images.valid, '1.1.0')
    await h.api.post('/api/update/check')
    await h.api.status((s) => s.state === 'pending-user')
    expect(await notifications()).toEqual([])
    // The reminder comes with the first check after the postponement.
    await waitFor(async () => (await notifications()).length === 1)
    const [reminder] = await notifications()
    expect(reminder!.kind).toBe('available')
    expect(Date.parse(reminder!.time)).toBeGreaterThanOrEqual(until)
  })

  it('postponing notifications also holds back the restart notice of an installation', async () => {
    // The longest postponement (six seconds here): the notice must not be due before the check.
    await h.api.post('/api/notifications/postpone', { days: 30 })
    await h.api.upload(h.setup.images.valid)
    await h.api.status((s) => s.state === 'installed')
    expect(await notifications()).toEqual([])
  })
})
