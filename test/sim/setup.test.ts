import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { OPERATIONS } from '../../core/dut.ts'
import { readImageHeader } from '../../fixtures/image.ts'
import { observationSeconds } from '../../sim/profile.ts'
import { DEFAULT_TIME_SCALE } from '../../sim/setup.ts'
import { Api, StubUpdateServer, type Harness, startDevice } from './helpers.ts'

describe('createReferenceSetup', () => {
  let h: Harness
  let profile: any

  beforeAll(async () => {
    h = await startDevice({ timeScale: DEFAULT_TIME_SCALE })
    profile = parse(await readFile(h.setup.profileFile, 'utf8'))
  })
  afterAll(async () => {
    await h.close()
  })

  it('writes dut.yaml next to the generated material', () => {
    expect(h.setup.profileFile).toBe(join(h.setup.dir, 'dut.yaml'))
    expect(profile).toMatchObject({
      name: expect.stringContaining('TS701-REF-1'),
      adapter: {
        kind: 'http',
        baseUrl: h.setup.apiUrl,
        auth: { kind: 'basic', username: 'admin', passwordEnv: 'TS701_SIM_PASSWORD' },
        lenient: false,
        timeouts: { defaultMs: expect.any(Number) },
      },
      timeScale: 43_200,
      observationSeconds: 6,
      mechanisms: { 'UpdMech-Network': { via: 'update-server' }, 'UpdMech-LocalUpload': { via: 'deliver-image' } },
      publications: [{ from: 'http://127.0.0.1:8701', to: h.setup.apiUrl }],
    })
    expect(Object.keys(profile)).not.toContain('file')
    expect(Object.keys(profile)).not.toContain('source')
  })

  it('declares every operation, with all eight setting changes', () => {
    expect(Object.keys(profile.operations).sort()).toEqual([...OPERATIONS].sort())
    expect(Object.keys(profile.operations['change-settings']).sort()).toEqual([
      'consent-automatic-updates',
      'decline-automatic-updates',
      'disable-automatic-updates',
      'disable-notifications',
      'enable-automatic-updates',
      'enable-notifications',
      'postpone-automatic-updates',
      'postpone-notifications',
    ])
    expect(profile.operations['deliver-image']).toMatchObject({ mode: 'raw', request: { method: 'POST', path: '/api/update' } })
    expect(profile.operations['read-outcome']).toMatchObject({
      mode: 'poll',
      request: { method: 'GET', path: '/api/update/status' },
      states: { installed: ['installed'], rejected: ['rejected'], pending: ['pending-user'] },
    })
    expect(profile.operations.restore.request).toEqual({ method: 'POST', path: '/api/service/restore-baseline' })
  })

  it('drives the running device with the requests it declares', async () => {
    const api = new Api(profile.adapter.baseUrl, h.setup.env.TS701_SIM_PASSWORD!)
    try {
      const change = profile.operations['change-settings']['disable-notifications']
      expect((await api.ready(change.method, change.path, { body: JSON.parse(change.body) })).status).toBe(200)
      const read = profile.operations['read-settings']
      const settings = (await api.ready(read.request.method, read.request.path)).json
      expect(settings.notifications).toBe(false)
      for (const op of ['identify', 'read-notifications', 'read-outcome']) {
        const { method, path } = profile.operations[op].request
        expect((await api.ready(method, path)).status, op).toBe(200)
      }
    } finally {
      await api.close()
    }
  })

  it('describes the update server: port, TLS files, vendor protocol routes', () => {
    const server = profile.updateServer
    expect(server).toMatchObject({
      host: '127.0.0.1',
      port: Number(new URL(h.setup.updateServerUrl).port),
      pollInterval: 'P1D',
      imagePath: '/images/{{image.name}}',
    })
    for (const file of Object.values(server.tls) as string[]) {
      expect(file.startsWith('/')).toBe(false)
      expect(existsSync(join(dirname(h.setup.profileFile), file))).toBe(true)
    }
    const [offering, idle, image] = server.routes
    expect(offering).toMatchObject({ method: 'GET', path: '/v1/check', when: 'offering', status: 200 })
    const rendered = JSON.parse(offering.body.replaceAll('{{image.size}}', '123').replaceAll(/\{\{image\.\w+\}\}/g, 'x'))
    expect(rendered).toMatchObject({
      available: true,
      version: 'x',
      url: 'x',
      sha256: 'x',
      size: 123,
      security: true,
      risks: expect.any(String),
    })
    expect(idle).toMatchObject({ path: '/v1/check', when: 'idle', body: '{"available": false}' })
    expect(image).toMatchObject({ method: 'GET', path: '/images/:name', serve: 'image' })
  })

  it('names the images: valid 1.1.0, older 0.9.0 and the other-hardware attack', async () => {
    const { images } = profile
    expect(images).toMatchObject({ format: 'ts701', valid: { version: '1.1.0' }, older: { version: '0.9.0' } })
    expect(images.attacks).toEqual([
      { name: 'other-hardware', file: expect.any(String), description: expect.stringContaining('ts701-ref-hw2'), expect: 'rejected' },
    ])
    const at = (file: string) => join(dirname(h.setup.profileFile), file)
    expect((await readImageHeader(at(images.valid.file))).manifest).toMatchObject({
      version: '1.1.0',
      versionCounter: 110,
      hardwareId: 'ts701-ref-hw1',
    })
    expect((await readImageHeader(at(images.older.file))).manifest).toMatchObject({ version: '0.9.0', versionCounter: 90 })
    expect((await readImageHeader(at(images.attacks[0].file))).manifest).toMatchObject({
      hardwareId: 'ts701-ref-hw2',
      keyId: h.setup.vendorKey.keyId,
    })
  })

  it('observes long enough for the boot check and two daily checks', () => {
    expect(observationSeconds(43_200)).toBe(6)
    expect(observationSeconds(1)).toBeGreaterThan(2 * 86_400)
  })

  it('uses the update server certificate it wrote (for the emulator) and the device trusts it', async () => {
    const server = await StubUpdateServer.start(h.setup.updateServerUrl, {
      certPem: await readFile(join(h.setup.dir, profile.updateServer.tls.certFile), 'utf8'),
      keyPem: await readFile(join(h.setup.dir, profile.updateServer.tls.keyFile), 'utf8'),
    })
    try {
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.lastCheck?.result === 'none')
      expect(server.checks().length).toBeGreaterThan(0)
    } finally {
      await server.close()
    }
  })
})

describe('createReferenceSetup cleanup', () => {
  it('removes the temporary folder it created on close', async () => {
    const h = await startDevice()
    const dir = h.setup.dir
    expect(existsSync(join(dir, 'dut.yaml'))).toBe(true)
    await h.close()
    expect(existsSync(dir)).toBe(false)
  })
})
