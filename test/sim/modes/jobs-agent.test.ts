import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../../adapters/index.ts'
import type { MqttDutProfile } from '../../../adapters/mqtt/profile.ts'
import { jobsTopics, type JobsTopics } from '../../../sim/mqtt-jobs.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../../sim/setup.ts'
import { ImageServer, LabMqtt } from '../channels.ts'
import { FAST, sleep, StubUpdateServer, waitFor } from '../helpers.ts'

const ROOT = 'ts701/ts701-ref-hw1'

describe('mode jobs: the reference DUT as an MQTT jobs agent', () => {
  let setup: ReferenceSetup
  let lab: LabMqtt
  let t: JobsTopics

  /** The lab bench, as bench.sh pulls it. */
  const bench = async (wire: string) => {
    const res = await fetch(`${setup.benchUrl}/${wire}`, { method: 'POST' })
    expect(res.status).toBe(200)
  }
  const version = () => setup.sim.firmware().version
  const jobMessages = (jobId: string, since: number) => lab.on(t.jobUpdate(jobId), since).map((m) => m.json)
  const finalOf = (jobId: string, since: number, timeoutMs = 10_000) =>
    lab.waitFor(t.jobUpdate(jobId), (m) => m.json?.status !== 'IN_PROGRESS', timeoutMs, since).then((m) => m.json)

  beforeAll(async () => {
    setup = await createReferenceSetup({ mode: 'jobs', timeScale: FAST })
    lab = await LabMqtt.connect(setup.brokerUrl!, ROOT)
    t = jobsTopics(ROOT)
  })
  afterAll(async () => {
    await lab?.close()
    await setup?.close()
  })
  beforeEach(async () => {
    if (version() !== '1.0.0') await bench('reflash-baseline')
    await waitFor(() => setup.sim.isUp && setup.jobs!.connected && version() === '1.0.0')
  })

  it('runs the jobs agent on the broker, not the lab API', () => {
    expect(setup.mode).toBe('jobs')
    expect(setup.channel).toBe('mqtt')
    expect(setup.jobs?.topics.root).toBe(ROOT)
    expect(setup.mqtt).toBeUndefined()
  })

  it('writes a profile with only what the agent offers: settings, URL jobs, bench commands and MQTT observations', async () => {
    const { profile, findings } = await loadDutProfile(setup.profileFile)
    expect(findings).toEqual([])
    const p = profile as MqttDutProfile
    expect(p.adapter.kind).toBe('mqtt')
    expect(Object.keys(p.operations).sort()).toEqual(['change-settings', 'deliver-image', 'read-notifications', 'read-settings'])
    expect(p.operations['deliver-image']).toMatchObject({ mode: 'url', publish: { topic: t.notifyNext } })
    expect(p.bench).toEqual({
      'power-cycle': expect.objectContaining({ command: expect.objectContaining({ argv: ['bash', 'bench.sh', 'power-cycle'] }) }),
      'power-off': expect.objectContaining({ command: expect.objectContaining({ argv: ['bash', 'bench.sh', 'power-off'] }) }),
      'power-on': expect.objectContaining({ command: expect.objectContaining({ argv: ['bash', 'bench.sh', 'power-on'] }) }),
      restore: expect.objectContaining({ command: expect.objectContaining({ argv: ['bash', 'bench.sh', 'reflash-baseline'] }) }),
      'factory-reset': expect.objectContaining({ command: expect.objectContaining({ argv: ['bash', 'bench.sh', 'factory-reset'] }) }),
    })
    expect(p.observe).toMatchObject({
      version: { from: 'mqtt', topic: t.state },
      model: { from: 'mqtt', topic: t.state },
      outcome: { from: 'mqtt', topic: t.jobUpdates, states: { installed: ['SUCCEEDED'], rejected: ['FAILED', 'REJECTED'] } },
      checks: { from: 'mqtt', topic: t.jobsGet },
      alive: { from: 'mqtt', topic: t.state },
    })
    expect(p.mechanisms).toEqual({ 'UpdMech-Network': { via: 'update-server' }, 'UpdMech-LocalUpload': { via: 'deliver-image' } })
  })

  it('announces every update check on jobs/get, the boot check first after a power cycle', async () => {
    const since = performance.now()
    await bench('power-cycle')
    // The power cycle's start: what the old boot announced before it does not count.
    const down = await lab.waitFor(t.availability, (m) => m.payload.toString() === 'offline', 5000, since)
    const boot = await lab.waitFor(t.jobsGet, (m) => m.json?.trigger === 'boot', 5000, down.at)
    expect(boot.json).toEqual({ clientToken: expect.stringMatching(/^[0-9a-f]{16}$/), trigger: 'boot', time: expect.any(String) })
    // Periodic checks follow, one device day (0.2 s) apart, each announced.
    await waitFor(() => lab.on(t.jobsGet, down.at).filter((m) => m.json?.trigger === 'periodic').length >= 2, 5000)
    const announced = lab.on(t.jobsGet, down.at)
    expect(announced[0]!.json.trigger).toBe('boot')
    expect(new Set(announced.map((m) => m.json.clientToken)).size).toBe(announced.length)
    // Each check refreshes the retained state first, which is how the lab reads the version.
    expect(lab.on(t.state, down.at).length).toBeGreaterThanOrEqual(announced.length)
  })

  it('announces no boot check when the device makes none (flaw no-boot-check)', async () => {
    const quiet = await createReferenceSetup({ mode: 'jobs', timeScale: FAST, flaws: ['no-boot-check'] })
    const watcher = await LabMqtt.connect(quiet.brokerUrl!, ROOT)
    try {
      const since = performance.now()
      await fetch(`${quiet.benchUrl}/power-cycle`, { method: 'POST' })
      const back = await watcher.waitFor(t.availability, (m) => m.payload.toString() === 'online', 5000, since)
      const first = await watcher.waitFor(t.jobsGet, () => true, 5000, back.at)
      // The flawed device's first check is its periodic one, a day (0.2 s) after the boot.
      expect(first.json.trigger).toBe('periodic')
      expect(watcher.on(t.jobsGet, since).some((m) => m.json.trigger === 'boot')).toBe(false)
    } finally {
      await watcher.close()
      await quiet.close()
    }
  })

  it('reports an installation the update server offered as a job: IN_PROGRESS, then SUCCEEDED from the new firmware', async () => {
    const server = await StubUpdateServer.start(setup.updateServerUrl, setup.tls.server)
    try {
      const since = performance.now()
      server.offer(setup.images.valid, '1.1.0')
      const succeeded = await waitForJob(lab, ROOT, since, (m) => m.json?.status === 'SUCCEEDED')
      server.idle()
      const jobId = succeeded.topic.split('/').at(-2)!
      expect(jobId).toMatch(/^ota-\d+$/)
      expect(succeeded.json).toEqual({ status: 'SUCCEEDED', statusDetails: { version: '1.1.0' }, clientToken: expect.any(String) })
      const statuses = jobMessages(jobId, since).map((j) => j.status)
      expect(statuses[0]).toBe('IN_PROGRESS')
      expect(statuses.at(-1)).toBe('SUCCEEDED')
      // Reported after the restart: availability went offline and came back before it.
      const offline = lab.on(t.availability, since).find((m) => m.payload.toString() === 'offline')
      expect(offline).toBeDefined()
      expect(offline!.at).toBeLessThan(succeeded.at)
      // Then the state with the new version.
      const state = await lab.waitFor(t.state, (m) => m.json?.firmware?.version === '1.1.0', 5000, succeeded.at)
      expect(state.retain).toBe(false)
      expect(state.at).toBeGreaterThan(succeeded.at)
    } finally {
      await server.close()
    }
  })

  it('reports a refused offer as FAILED with the reason, then its unchanged state', async () => {
    const server = await StubUpdateServer.start(setup.updateServerUrl, setup.tls.server)
    try {
      const since = performance.now()
      server.offer(setup.images.otherHardware, '1.1.0')
      const failed = await waitForJob(lab, ROOT, since, (m) => m.json?.status === 'FAILED')
      server.idle()
      expect(failed.json.statusDetails).toEqual({ version: '1.0.0', reason: expect.stringMatching(/^wrong-hardware: /) })
      const state = await lab.waitFor(t.state, () => true, 2000, failed.at)
      expect(state.json.firmware.version).toBe('1.0.0')
      expect(version()).toBe('1.0.0')
    } finally {
      await server.close()
    }
  })

  it('takes a job naming a URL: fetches, verifies, installs and reports SUCCEEDED', async () => {
    const images = await ImageServer.start(setup.tls.server)
    try {
      const jobId = `job-${randomBytes(4).toString('hex')}`
      const since = performance.now()
      const image = setup.images.valid
      const job = { jobId, url: images.serve(image), sha256: image.sha256, size: image.size }
      await lab.client.publishAsync(t.notifyNext, JSON.stringify(job), { qos: 1 })
      // A QoS 1 redelivery of the same job is not carried out twice.
      await lab.client.publishAsync(t.notifyNext, JSON.stringify(job), { qos: 1 })
      const final = await finalOf(jobId, since)
      expect(final).toMatchObject({ status: 'SUCCEEDED', statusDetails: { version: '1.1.0' } })
      expect(jobMessages(jobId, since)[0]).toMatchObject({ status: 'IN_PROGRESS', statusDetails: { step: 'downloading' } })
      expect(images.hits).toEqual([`/images/${image.name}`])
      await waitFor(() => version() === '1.1.0')
    } finally {
      await images.close()
    }
  })

  it('fails a URL job whose download differs from what the job announced, and rejects a job without a URL', async () => {
    const images = await ImageServer.start(setup.tls.server)
    try {
      const since = performance.now()
      const image = setup.images.valid
      await lab.client.publishAsync(
        t.notifyNext,
        JSON.stringify({ jobId: 'wrong-hash', url: images.serve(image), sha256: '0'.repeat(64) }),
        {
          qos: 1,
        },
      )
      expect(await finalOf('wrong-hash', since)).toMatchObject({
        status: 'FAILED',
        statusDetails: { version: '1.0.0', reason: expect.stringMatching(/^E_SIM_DOWNLOAD: .*SHA-256/) },
      })
      await lab.client.publishAsync(t.notifyNext, JSON.stringify({ jobId: 'no-url' }), { qos: 1 })
      expect(await finalOf('no-url', since)).toMatchObject({ status: 'REJECTED', statusDetails: { reason: 'the job names no url' } })
      expect(version()).toBe('1.0.0')
    } finally {
      await images.close()
    }
  })

  it('answers no identify, status, check, reboot, reset, restore or upload command; its settings commands work', async () => {
    const since = performance.now()
    const absent = [
      'identify',
      'update/status',
      'update/check',
      'reboot',
      'factory-reset',
      'service/restore-baseline',
      'update/url',
      'update/begin',
    ]
    for (const name of absent) await lab.publish(name, { requestId: `absent-${name}` })
    // Settings stay, as the lamp's app uses them; its answer shows the agent was listening all along.
    const settings = await lab.command('settings/set', { autoUpdate: false })
    expect(settings).toMatchObject({ ok: true, autoUpdate: false })
    expect((await lab.command('settings/get')).autoUpdate).toBe(false)
    expect(await lab.command('update/postpone', { days: 3 })).toMatchObject({ ok: true })
    expect((await lab.command('notifications/list')).notifications).toEqual(expect.any(Array))
    await lab.command('settings/set', { autoUpdate: true })
    await sleep(300)
    for (const name of absent) expect(lab.on(lab.topics.reply(name), since)).toEqual([])
    // Nothing restarted or changed: no offline, the same firmware.
    expect(lab.on(t.availability, since).map((m) => m.payload.toString())).not.toContain('offline')
    expect(version()).toBe('1.0.0')
  })
})

/** The first message on any job's status topic from `since` on that `match` accepts. */
async function waitForJob(lab: LabMqtt, root: string, since: number, match: (m: { json: any }) => boolean) {
  const deadline = Date.now() + 10_000
  const pattern = new RegExp(`^${root}/jobs/[^/]+/update$`)
  for (;;) {
    const found = lab.messages.find((m) => m.at >= since && pattern.test(m.topic) && match(m))
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no job status from ${since} on`)
    await sleep(5)
  }
}
