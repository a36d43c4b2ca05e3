import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmbeddedBroker, type EmbeddedBroker } from '../../sim/broker.ts'
import type { LogEntry } from '../../sim/log.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { startMosquitto, type MosquittoBroker } from '../brokers.ts'
import { ImageServer, LabMqtt } from './channels.ts'
import { attacksFor, FAST, StubUpdateServer, waitFor } from './helpers.ts'

const ROOT = 'ts701/ts701-ref-hw1'

describe('reference DUT over MQTT (embedded broker)', () => {
  let setup: ReferenceSetup
  let lab: LabMqtt
  let attacks: Awaited<ReturnType<typeof attacksFor>>
  const logged: LogEntry[] = []

  beforeAll(async () => {
    setup = await createReferenceSetup({ channel: 'mqtt', timeScale: FAST, onLog: (e) => logged.push(e) })
    lab = await LabMqtt.connect(setup.brokerUrl!, ROOT)
    attacks = await attacksFor(setup)
  })
  afterAll(async () => {
    await lab.close()
    await attacks.cleanup()
    await setup.close()
  })
  beforeEach(async () => {
    const restored = await lab.command('service/restore-baseline')
    expect(restored).toMatchObject({ ok: true, restarting: true })
    await waitFor(async () => (await lab.command('identify')).firmware.version === '1.0.0')
    await lab.command('factory-reset')
    await lab.command('identify')
  })

  it('runs an embedded broker on loopback and says where', () => {
    expect(setup.channel).toBe('mqtt')
    expect(setup.brokerUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/)
    expect(setup.mqttTopics?.root).toBe(ROOT)
    expect(setup.mqtt?.clientId).toBe('ts701-ts701-ref-hw1')
  })

  it('announces itself: availability online and a retained state with model, firmware and settings', async () => {
    expect(await lab.retained(setup.brokerUrl!, `${ROOT}/availability`)).toBe('online')
    const state = await lab.retained(setup.brokerUrl!, `${ROOT}/state`)
    expect(state).toMatchObject({
      model: 'TS701-REF-1',
      hardwareId: 'ts701-ref-hw1',
      firmware: { version: '1.0.0', counter: 100 },
      settings: { autoUpdate: true, notifications: true },
      time: expect.any(String),
    })
  })

  it('answers identify on its reply topic with the requestId', async () => {
    const reply = await lab.command('identify')
    expect(reply).toEqual({
      requestId: expect.any(String),
      ok: true,
      model: 'TS701-REF-1',
      hardwareId: 'ts701-ref-hw1',
      firmware: { version: '1.0.0', counter: 100 },
    })
  })

  it('answers unknown commands and bad payloads with an error reply, and keeps working', async () => {
    expect(await lab.command('self-destruct')).toMatchObject({
      ok: false,
      code: 'E_SIM_BAD_REQUEST',
      error: expect.stringContaining('unknown command self-destruct'),
    })
    const since = performance.now()
    await lab.publish('identify', 'this is not json')
    expect((await lab.waitFor(`${ROOT}/reply/identify`, () => true, 5000, since)).json).toMatchObject({
      ok: false,
      code: 'E_SIM_BAD_REQUEST',
    })
    await lab.publish('settings/set', Buffer.from([0xff, 0x00, 0x13]))
    expect(await lab.command('settings/set', { autoUpdate: 'yes' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('true or false'),
    })
    expect(await lab.command('update/postpone', { days: 365 })).toMatchObject({ ok: false, code: 'E_SIM_BAD_REQUEST' })
    expect((await lab.command('identify')).ok).toBe(true)
  })

  it('changes settings by command and republishes its retained state', async () => {
    expect(await lab.command('settings/set', { autoUpdate: false })).toMatchObject({ ok: true, autoUpdate: false, notifications: true })
    // The state is updated before the reply goes out: a reader right after the reply sees it.
    expect((await lab.retained(setup.brokerUrl!, `${ROOT}/state`)).settings).toMatchObject({ autoUpdate: false, notifications: true })
    expect(await lab.command('settings/set', { notifications: false })).toMatchObject({ ok: true, notifications: false })
    expect(await lab.command('settings/get')).toMatchObject({ autoUpdate: false, notifications: false })
    const postponed = await lab.command('update/postpone', { days: 7 })
    expect(postponed.postponedUntil).toEqual(expect.any(String))
    expect((await lab.command('notifications/postpone', { days: 3 })).notificationsPostponedUntil).toEqual(expect.any(String))
    expect((await lab.retained(setup.brokerUrl!, `${ROOT}/state`)).settings).toMatchObject({ postponedUntil: postponed.postponedUntil })
  })

  it.each(['base64', 'binary'] as const)(
    'installs the valid image sent in %s chunks, reports the outcome and restarts',
    async (encoding) => {
      const before = (await lab.command('update/status')).attempt
      const reply = await lab.upload(setup.images.valid, { encoding, chunkBytes: encoding === 'binary' ? 10_000 : 16 * 1024 })
      expect(reply).toMatchObject({ ok: true, accepted: true, version: '1.1.0', message: expect.stringMatching(/verified and installed/) })
      const outcome = await lab.outcome()
      expect(outcome).toMatchObject({
        state: 'installed',
        version: '1.1.0',
        detail: 'version 1.1.0 installed (upload (mqtt))',
        attempt: before + 1,
      })
      expect((await lab.command('identify')).firmware).toEqual({ version: '1.1.0', counter: 110 })
      const { notifications } = await lab.command('notifications/list')
      expect(notifications.at(-1)).toMatchObject({ kind: 'disruption', text: expect.stringMatching(/restart/), time: expect.any(String) })
      expect(lab.on(`${ROOT}/events/notification`).some((m) => m.json.kind === 'disruption')).toBe(true)
      expect(lab.on(`${ROOT}/availability`).map((m) => m.payload.toString())).toContain('offline')
    },
  )

  it.each([
    ['payload-byte', 'payload-hash'],
    ['signature-removed', 'unsigned'],
    ['downgrade', 'rollback'],
    ['other-hardware', 'wrong-hardware'],
  ])('rejects the tampered image %s (%s) sent in chunks and keeps its version', async (name, code) => {
    const reply = await lab.upload(attacks.byName.get(name)!.image)
    expect(reply).toMatchObject({ ok: true, accepted: false, code, message: expect.stringMatching(/not a valid update/) })
    const outcome = await lab.outcome()
    expect(outcome.state).toBe('rejected')
    expect(outcome.detail).toContain(code)
    expect((await lab.command('identify')).firmware).toEqual({ version: '1.0.0', counter: 100 })
  })

  it('refuses a transfer that does not match what begin announced, or has a gap', async () => {
    const wrongHash = await lab.upload(setup.images.valid, { sha256: 'ab'.repeat(32) })
    expect(wrongHash).toMatchObject({ accepted: false, code: 'E_SIM_TRANSFER', message: expect.stringContaining('SHA-256') })
    expect((await lab.outcome()).detail).toContain('E_SIM_TRANSFER')

    expect(await lab.command('update/begin', { size: 100, sha256: 'ab'.repeat(32), encoding: 'base64' })).toMatchObject({
      ok: true,
      ready: true,
    })
    await lab.client.publishAsync(`${ROOT}/cmd/update/chunk/0`, Buffer.alloc(10).toString('base64'), { qos: 1 })
    await lab.client.publishAsync(`${ROOT}/cmd/update/chunk/2`, Buffer.alloc(10).toString('base64'), { qos: 1 })
    expect(await lab.command('update/end')).toMatchObject({
      accepted: false,
      code: 'E_SIM_TRANSFER',
      reason: 'chunk 2 arrived where chunk 1 was expected',
    })
    expect((await lab.waitFor(`${ROOT}/reply/update/chunk`)).json).toMatchObject({ ok: false, code: 'E_SIM_TRANSFER' })

    expect(await lab.command('update/begin', { size: 10, sha256: 'ab'.repeat(32), encoding: 'base64' })).toMatchObject({ ok: true })
    await lab.client.publishAsync(`${ROOT}/cmd/update/chunk/0`, Buffer.alloc(20).toString('base64'), { qos: 1 })
    expect(await lab.command('update/end')).toMatchObject({ accepted: false, code: 'E_SIM_TOO_LARGE' })

    expect(await lab.command('update/end')).toMatchObject({
      ok: false,
      accepted: false,
      code: 'E_SIM_TRANSFER',
      message: expect.stringContaining('no transfer in progress'),
    })
    expect(await lab.command('update/begin', { size: 1e12, sha256: 'ab'.repeat(32) })).toMatchObject({ ok: false, code: 'E_SIM_TOO_LARGE' })
    expect((await lab.command('identify')).firmware.version).toBe('1.0.0')
  })

  it('fetches an image from a URL (HTTPS with the pinned vendor CA) and installs it', async () => {
    const server = await ImageServer.start(setup.tls.server)
    try {
      const url = server.serve(setup.images.valid)
      const reply = await lab.command('update/url', { url, size: setup.images.valid.size, sha256: setup.images.valid.sha256 }, 30_000)
      expect(reply).toMatchObject({ ok: true, accepted: true, version: '1.1.0' })
      expect(server.hits).toEqual([`/images/${setup.images.valid.name}`])
      expect(await lab.outcome()).toMatchObject({ state: 'installed', version: '1.1.0', detail: expect.stringContaining('mqtt, url') })
    } finally {
      await server.close()
    }
  })

  it('refuses URLs off loopback and downloads that do not match the announcement', async () => {
    expect(await lab.command('update/url', { url: 'https://192.0.2.1/images/x.img' })).toMatchObject({
      accepted: false,
      code: 'E_SIM_NOT_LOOPBACK',
    })
    const server = await ImageServer.start(setup.tls.server)
    try {
      const url = server.serve(setup.images.valid)
      expect(await lab.command('update/url', { url, sha256: 'cd'.repeat(32) }, 30_000)).toMatchObject({
        accepted: false,
        code: 'E_SIM_DOWNLOAD',
      })
      expect(await lab.command('update/url', { url, size: 1000 }, 30_000)).toMatchObject({ accepted: false, code: 'E_SIM_DOWNLOAD' })
      expect(await lab.command('update/url', { url: url.replace(/images\/.*/, 'images/none') }, 30_000)).toMatchObject({
        accepted: false,
        code: 'E_SIM_DOWNLOAD',
      })
      expect((await lab.outcome()).state).toBe('rejected')
    } finally {
      await server.close()
    }
    expect((await lab.command('identify')).firmware.version).toBe('1.0.0')
  })

  it('answers update/status on its reply topic and republishes it on events/update with the requestId', async () => {
    await lab.settledStatus()
    const since = performance.now()
    const reply = await lab.command('update/status')
    expect(reply).toMatchObject({ ok: true, state: expect.any(String), version: '1.0.0', attempt: expect.any(Number) })
    const event = await lab.waitFor(`${ROOT}/events/update`, (m) => m.json.requestId === reply.requestId, 5000, since)
    expect(event.json).toMatchObject({ state: reply.state, version: '1.0.0', attempt: reply.attempt })
  })

  it('checks its update server on command and installs what it finds (UpdMech-Network)', async () => {
    const server = await StubUpdateServer.start(setup.updateServerUrl, setup.tls.server)
    try {
      server.offer(setup.images.valid, '1.1.0')
      expect(await lab.command('update/check')).toMatchObject({ ok: true, state: 'checking' })
      await waitFor(async () => (await lab.command('identify')).firmware.version === '1.1.0')
      expect(await lab.outcome()).toMatchObject({ state: 'installed', version: '1.1.0', detail: expect.stringContaining('network') })
    } finally {
      await server.close()
    }
  })

  it('reboots: replies, goes offline, and answers a command sent during the restart after the boot', async () => {
    const since = performance.now()
    const requestId = randomBytes(4).toString('hex')
    await lab.publish('reboot', { requestId: 'r-' + requestId })
    await lab.publish('identify', { requestId })
    expect((await lab.waitFor(`${ROOT}/reply/reboot`, (m) => m.json.requestId === `r-${requestId}`, 5000, since)).json).toMatchObject({
      restarting: true,
    })
    expect((await lab.waitFor(`${ROOT}/reply/identify`, (m) => m.json.requestId === requestId, 5000, since)).json.model).toBe('TS701-REF-1')
    const availability = lab.on(`${ROOT}/availability`, since).map((m) => m.payload.toString())
    expect(availability).toEqual(['offline', 'online'])
    expect(logged.some((e) => e.message === 'restarting: reboot requested')).toBe(true)
  })

  it('factory reset: default settings and no notifications, firmware kept', async () => {
    await lab.upload(setup.images.valid)
    await lab.outcome()
    await lab.command('settings/set', { autoUpdate: false, notifications: false })
    expect((await lab.command('notifications/list')).notifications).toHaveLength(1)
    expect(await lab.command('factory-reset')).toMatchObject({ ok: true, restarting: true })
    expect((await lab.command('identify')).firmware).toEqual({ version: '1.1.0', counter: 110 })
    expect((await lab.retained(setup.brokerUrl!, `${ROOT}/state`)).settings).toEqual({ autoUpdate: true, notifications: true })
    expect((await lab.command('notifications/list')).notifications).toEqual([])
  })

  it('restore-baseline returns to 1.0.0 and counter 100', async () => {
    await lab.upload(setup.images.valid)
    await lab.outcome()
    expect(await lab.command('service/restore-baseline')).toMatchObject({ ok: true, restarting: true, version: '1.0.0', counter: 100 })
    expect((await lab.command('identify')).firmware).toEqual({ version: '1.0.0', counter: 100 })
    expect((await lab.settledStatus()).state).toBe('idle')
  })

  it('keeps its HTTP API (and the support page) running beside MQTT', async () => {
    const res = await fetch(`${setup.apiUrl}/support`)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('TS701-REF-1')
  })
})

describe('reference DUT over MQTT, robustness', () => {
  let broker: EmbeddedBroker | undefined
  let setup: ReferenceSetup | undefined
  let lab: LabMqtt | undefined
  afterEach(async () => {
    await lab?.close()
    await setup?.close()
    await broker?.close()
    lab = setup = broker = undefined
  })

  it('reconnects when the broker goes away and comes back, and answers again', async () => {
    broker = await startEmbeddedBroker()
    const port = broker.port
    const logged: LogEntry[] = []
    setup = await createReferenceSetup({ channel: 'mqtt', brokerUrl: broker.url, timeScale: FAST, onLog: (e) => logged.push(e) })
    lab = await LabMqtt.connect(broker.url, ROOT)
    expect((await lab.command('identify')).ok).toBe(true)

    await broker.close()
    await waitFor(() => logged.some((e) => e.topic === 'mqtt' && e.message.startsWith('lost the connection')), 5000)
    // The device carries on without its broker: the HTTP API still answers.
    expect((await fetch(`${setup.apiUrl}/api/info`)).status).toBe(200)

    broker = await startEmbeddedBroker(port)
    await lab.close()
    lab = await LabMqtt.connect(broker.url, ROOT)
    await waitFor(() => setup!.mqtt!.connected, 10_000)
    expect((await lab.command('identify')).firmware.version).toBe('1.0.0')
    // A fresh broker knows nothing: the device published its retained state again.
    expect((await lab.retained(broker.url, `${ROOT}/state`)).model).toBe('TS701-REF-1')
    expect(await lab.retained(broker.url, `${ROOT}/availability`)).toBe('online')
  })

  it('fails setup with a clear message when the broker cannot be reached', async () => {
    const free = await startEmbeddedBroker()
    const url = free.url
    await free.close()
    await expect(createReferenceSetup({ channel: 'mqtt', brokerUrl: url, timeScale: FAST, mqttConnectTimeoutMs: 500 })).rejects.toThrow(
      /cannot reach the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ within 500 ms \(.*ECONNREFUSED/,
    )
  })

  it('refuses a broker off loopback', async () => {
    await expect(createReferenceSetup({ channel: 'mqtt', brokerUrl: 'mqtt://192.0.2.1:1883' })).rejects.toThrow(/not a loopback address/)
  })
})

describe('reference DUT over MQTT, with mosquitto', () => {
  let mosquitto: MosquittoBroker
  let setup: ReferenceSetup
  let lab: LabMqtt
  // A topic root and client ID of its own: the broker may be shared (TS701_MOSQUITTO_URL).
  const root = `ts701-test/${randomBytes(4).toString('hex')}`

  beforeAll(async () => {
    mosquitto = await startMosquitto()
    setup = await createReferenceSetup({
      channel: 'mqtt',
      brokerUrl: mosquitto.url,
      mqttTopicRoot: root,
      mqttClientId: `ts701-sim-${randomBytes(4).toString('hex')}`,
      timeScale: FAST,
    })
    lab = await LabMqtt.connect(mosquitto.url, root)
  })
  afterAll(async () => {
    await lab?.close()
    await setup?.close()
    await mosquitto?.close()
  })

  it('identifies itself, takes settings and publishes retained state', async () => {
    expect((await lab.command('identify')).model).toBe('TS701-REF-1')
    await lab.command('settings/set', { notifications: false })
    expect((await lab.retained(mosquitto.url, `${root}/state`)).settings.notifications).toBe(false)
    expect(await lab.retained(mosquitto.url, `${root}/availability`)).toBe('online')
  })

  it('installs an image sent in chunks and rejects a tampered one', async () => {
    const attacks = await attacksFor(setup)
    try {
      expect(await lab.upload(attacks.byName.get('payload-byte')!.image)).toMatchObject({ accepted: false, code: 'payload-hash' })
      expect((await lab.outcome()).state).toBe('rejected')
      expect(await lab.upload(setup.images.valid)).toMatchObject({ accepted: true, version: '1.1.0' })
      expect(await lab.outcome()).toMatchObject({ state: 'installed', version: '1.1.0' })
    } finally {
      await attacks.cleanup()
    }
  })

  it('answers a command sent while it restarts, from its persistent session', async () => {
    const since = performance.now()
    await lab.publish('reboot', { requestId: 'reboot-1' })
    await lab.publish('identify', { requestId: 'during-restart' })
    expect(
      (await lab.waitFor(`${root}/reply/identify`, (m) => m.json.requestId === 'during-restart', 10_000, since)).json.firmware.version,
    ).toBe('1.1.0')
    expect(lab.on(`${root}/availability`, since).map((m) => m.payload.toString())).toEqual(['offline', 'online'])
    expect(await lab.command('service/restore-baseline')).toMatchObject({ restarting: true, version: '1.0.0' })
    expect((await lab.command('identify')).firmware.version).toBe('1.0.0')
  })
})
