import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { buildImage } from '../../fixtures/image.ts'
import { generateSigningKey } from '../../fixtures/keys.ts'
import { firmwarePayload } from '../../sim/payload.ts'
import { attacksFor, startDevice, type Harness } from './helpers.ts'

describe('conformant reference DUT, local upload (UpdMech-LocalUpload)', () => {
  let h: Harness
  let attacks: Awaited<ReturnType<typeof attacksFor>>

  beforeAll(async () => {
    h = await startDevice()
    attacks = await attacksFor(h.setup)
  })
  afterAll(async () => {
    await attacks.cleanup()
    await h.close()
  })
  beforeEach(async () => {
    const restored = await h.api.post('/api/service/restore-baseline')
    expect(restored.status).toBe(202)
    expect(await h.api.version()).toBe('1.0.0')
  })

  it('identifies itself on the public info endpoint as the IXIT names it', async () => {
    const info = await h.api.call('GET', '/api/info', { auth: false })
    expect(info.status).toBe(200)
    expect(info.json).toEqual({ model: 'TS701-REF-1', hardwareId: 'ts701-ref-hw1', firmware: { version: '1.0.0', counter: 100 } })
  })

  it('asks for the admin password everywhere else', async () => {
    expect((await h.api.call('GET', '/api/settings', { auth: false })).status).toBe(401)
    expect((await h.api.call('GET', '/api/settings', { auth: 'wrong-password' })).status).toBe(401)
    expect((await h.api.call('POST', '/api/update', { auth: false, raw: h.setup.images.valid })).status).toBe(401)
    expect(await h.api.version()).toBe('1.0.0')
  })

  it('installs the valid image, announcing the restart, and raises the counter', async () => {
    const answer = await h.api.upload(h.setup.images.valid)
    expect(answer.status).toBe(200)
    expect(answer.json).toMatchObject({ accepted: true, version: '1.1.0' })
    const status = await h.api.status((s) => s.state === 'installed')
    expect(status.version).toBe('1.1.0')
    expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '1.1.0', counter: 110 })
    const { notifications } = (await h.api.get('/api/notifications')).json
    expect(notifications.at(-1)).toMatchObject({ kind: 'disruption', text: expect.stringMatching(/restart.*about 30 seconds/) })
  })

  it.each([
    ['signature-removed', 'unsigned'],
    ['untrusted-key', 'untrusted-key'],
    ['untrusted-key-same-id', 'bad-signature'],
    ['manifest-byte', 'bad-signature'],
    ['payload-byte', 'payload-hash'],
    ['truncated', 'length'],
    ['downgrade', 'rollback'],
    ['wrong-hardware', 'wrong-hardware'],
    ['other-hardware', 'wrong-hardware'],
  ])('rejects %s (%s) and keeps running the old version', async (name, code) => {
    const attack = attacks.byName.get(name)!
    const disruptions = async () =>
      (await h.api.get('/api/notifications')).json.notifications.filter((n: any) => n.kind === 'disruption').length
    const before = await disruptions()
    const answer = await h.api.upload(attack.image)
    expect(answer.status).toBe(200)
    expect(answer.json).toMatchObject({ accepted: false, code })
    expect(answer.json.reason).toEqual(expect.any(String))
    const status = await h.api.status((s) => s.state === 'rejected')
    expect(status.detail).toContain(code)
    expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '1.0.0', counter: 100 })
    expect(await disruptions()).toBe(before)
  })

  it('rejects an image that is not a ts701 image at all', async () => {
    const answer = await h.api.ready('POST', '/api/update', { body: { not: 'an image' } })
    expect(answer.json).toMatchObject({ accepted: false, code: 'format' })
    expect(await h.api.version()).toBe('1.0.0')
  })

  it('rejects a validly built image signed with an RSA key it does not trust', async () => {
    const key = generateSigningKey('ecdsa-p256-sha256')
    const image = await buildImage({
      name: 'foreign',
      hardwareId: 'ts701-ref-hw1',
      version: '9.9.9',
      versionCounter: 999,
      payload: firmwarePayload('foreign', 1024),
      key,
      out: join(h.setup.dir, 'foreign.img'),
    })
    expect((await h.api.upload(image)).json).toMatchObject({ accepted: false, code: 'untrusted-key' })
  })

  it('refuses to reinstall the running version (the counter must go up)', async () => {
    expect((await h.api.upload(h.setup.images.valid)).json.accepted).toBe(true)
    await h.api.status((s) => s.state === 'installed')
    expect((await h.api.upload(h.setup.images.valid)).json).toMatchObject({ accepted: false, code: 'rollback' })
    expect(await h.api.version()).toBe('1.1.0')
  })

  it('restore-baseline returns to 1.0.0 and counter 100 after an update', async () => {
    await h.api.upload(h.setup.images.valid)
    await h.api.status((s) => s.state === 'installed')
    expect((await h.api.post('/api/service/restore-baseline')).status).toBe(202)
    expect((await h.api.get('/api/info')).json.firmware).toEqual({ version: '1.0.0', counter: 100 })
    expect((await h.api.get('/api/update/status')).json.state).toBe('idle')
  })

  it('streams uploads: an image larger than the staging area is cut off, not buffered', async () => {
    const small = await startDevice({ maxImageBytes: 64 * 1024 })
    try {
      const answer = await small.api.upload(small.setup.images.valid)
      expect(answer.status).toBe(413)
      expect(answer.json).toMatchObject({ accepted: false, code: 'E_SIM_TOO_LARGE' })
      expect(await small.api.version()).toBe('1.0.0')
    } finally {
      await small.close()
    }
  })
})
