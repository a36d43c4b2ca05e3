import { afterEach, describe, expect, it } from 'vitest'
import { waitFor, type Harness, startDevice } from './helpers.ts'

describe('conformant reference DUT, restarts and service operations', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  it('is unavailable (503 with Retry-After) for the scaled restart time after a reboot, then answers', async () => {
    // At 100 device seconds per second the 30-second restart takes 300 ms.
    h = await startDevice({ timeScale: 100 })
    const started = performance.now()
    expect((await h.api.call('POST', '/api/reboot')).status).toBe(202)
    const during = await h.api.call('GET', '/api/info', { auth: false })
    expect(during.status).toBe(503)
    expect(during.headers['retry-after']).toBe('1')
    expect(during.json.code).toBe('E_SIM_RESTARTING')
    expect((await h.api.call('GET', '/support', { auth: false })).status).toBe(503)
    await waitFor(async () => (await h!.api.call('GET', '/api/info', { auth: false })).status === 200, 5000)
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThan(250)
    expect(elapsed).toBeLessThan(2000)
    expect(h.logged.map((e) => e.message)).toEqual(
      expect.arrayContaining(['restarting: reboot requested', 'booted version 1.0.0 (counter 100) from slot a']),
    )
  })

  it('factory reset restores default settings and clears notifications, but keeps firmware and counter', async () => {
    h = await startDevice()
    await h.api.upload(h.setup.images.valid)
    await h.api.status((s) => s.state === 'installed')
    await h.api.put('/api/settings', { autoUpdate: false, notifications: false })
    await h.api.post('/api/update/postpone', { days: 3 })
    expect((await h.api.get('/api/notifications')).json.notifications).toHaveLength(1)

    expect((await h.api.post('/api/factory-reset')).status).toBe(202)
    expect((await h.api.get('/api/settings')).json).toEqual({ autoUpdate: true, notifications: true })
    expect((await h.api.get('/api/notifications')).json.notifications).toEqual([])
    expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '1.1.0', counter: 110 })
    // The counter survived: the old baseline is still a downgrade.
    expect((await h.api.upload(h.setup.images.baseline)).json).toMatchObject({ accepted: false, code: 'rollback' })
  })

  it('asks about automatic updates once per initialization: the answer counts until the next factory reset', async () => {
    h = await startDevice()
    // The preselected answer is consent: on before anyone answers.
    expect((await h.api.get('/api/settings')).json.autoUpdate).toBe(true)
    expect((await h.api.post('/api/setup/consent', { automaticUpdates: false })).json).toMatchObject({ autoUpdate: false })
    const again = await h.api.post('/api/setup/consent', { automaticUpdates: true })
    expect(again.status).toBe(409)
    expect(again.json).toMatchObject({ code: 'E_SIM_SETUP_DONE' })
    expect((await h.api.post('/api/setup/consent', {})).status).toBe(400)
    await h.api.post('/api/factory-reset')
    expect((await h.api.post('/api/setup/consent', { automaticUpdates: true })).json).toMatchObject({ autoUpdate: true })
  })

  it('awaiting consent: automatic updates are off after a factory reset until the user consents', async () => {
    h = await startDevice({ awaitsConsent: true })
    expect((await h.api.get('/api/settings')).json.autoUpdate).toBe(false)
    expect((await h.api.post('/api/setup/consent', { automaticUpdates: true })).json).toMatchObject({ autoUpdate: true })
    await h.api.post('/api/factory-reset')
    expect((await h.api.get('/api/settings')).json.autoUpdate).toBe(false)
  })

  it('keeps settings across a reboot and an update', async () => {
    h = await startDevice()
    await h.api.put('/api/settings', { notifications: false })
    await h.api.post('/api/reboot')
    await h.api.upload(h.setup.images.valid)
    await h.api.status((s) => s.state === 'installed')
    expect((await h.api.get('/api/settings')).json).toEqual({ autoUpdate: true, notifications: false })
  })

  it('writes updates to the other slot and switches slots only after verification', async () => {
    h = await startDevice()
    const slot = () => h!.setup.sim.firmware().slot
    expect(slot()).toBe('a')
    await h.api.upload(h.setup.images.older)
    expect(slot()).toBe('a')
    await h.api.upload(h.setup.images.valid)
    await h.api.status((s) => s.state === 'installed')
    expect(slot()).toBe('b')
    await h.api.post('/api/service/restore-baseline')
    expect(slot()).toBe('a')
    expect(await h.api.version()).toBe('1.0.0')
  })

  it('serves the public support page the IXIT describes', async () => {
    h = await startDevice()
    const page = await h.api.call('GET', '/support', { auth: false })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.text).toContain('TS701-REF-1')
    expect(page.text).toContain('Security updates for TS701-REF-1')
    expect(page.text).toMatch(/Security updates are provided until at least <time[^>]*>31 December 2031/)
    expect(page.text).toContain('id="non-updatable"')
    expect(page.text).toContain('Parts of your device that cannot be updated')
    expect(page.text).toMatch(/mask ROM/)
    expect(page.text).toMatch(/replace\s+your device free of charge until <time[^>]*>31 December 2031/)
    expect(page.text).toMatch(/How to request a replacement device/)
  })

  it('answers unknown resources with 404 and wrong methods with 405', async () => {
    h = await startDevice()
    expect((await h.api.get('/api/nothing')).status).toBe(404)
    const wrong = await h.api.ready('DELETE', '/api/settings')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET, PUT')
  })
})
