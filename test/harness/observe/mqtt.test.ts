// The `mqtt` source (harness/observe/mqtt.ts) against an MQTT broker on loopback (aedes, from
// test/brokers.ts): what the device publishes on its own is the version, the outcome, the update
// checks and the sign of life; every message a fact listens for is evidence.
import { connectAsync, type MqttClient } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import type { DutProfile, ObserveSection } from '../../../profile/types.ts'
import { freePort, startAedes, type AedesBroker } from '../../brokers.ts'
import { sleep } from '../../emulator/helpers.ts'
import { closeObservers, observeProfile, observing } from './helpers.ts'

const brokers: AedesBroker[] = []
const clients: MqttClient[] = []

afterEach(async () => {
  await closeObservers()
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

/** The device's side: a client that publishes as the device would. */
async function device(url: string): Promise<MqttClient> {
  const c = await connectAsync(url, { reconnectPeriod: 0 })
  clients.push(c)
  return c
}

async function setup(observe: Omit<ObserveSection, 'mqtt'>, adapter?: DutProfile['adapter']) {
  const broker = await startAedes()
  brokers.push(broker)
  const profile = observeProfile(adapter ? observe : { ...observe, mqtt: { url: broker.url } }, [], adapter)
  return { ...observing(profile), broker, dut: await device(broker.url) }
}

const STATES = { installed: ['SUCCEEDED'], rejected: ['FAILED'], pending: ['IN_PROGRESS'] }

describe('mqtt source', () => {
  it('reads the version from a message published after it began listening, and records the message', async () => {
    const { observe, evidence, dut } = await setup({
      version: { from: 'mqtt', topic: 'things/+/shadow', extract: { pointer: '/state/reported/fw' }, timeoutMs: 2000 },
    })
    await observe.listen()
    await dut.publishAsync('things/dut-1/shadow', JSON.stringify({ state: { reported: { fw: '4.2.0' } } }))
    const v = await observe.version()
    expect(v).toMatchObject({
      observed: true,
      value: '4.2.0',
      source: expect.stringMatching(/^MQTT things\/\+\/shadow at mqtt:\/\/127\.0\.0\.1:\d+$/),
    })
    const cited = evidence.since(0).find((e) => e.id === v.evidence[0])
    expect(cited?.summary).toBe('observed things/dut-1/shadow: {"state":{"reported":{"fw":"4.2.0"}}}')
  })

  it('sees a retained state message already on the topic, and waits for a newer one when asked about a later time', async () => {
    const { observe, dut } = await setup({
      version: { from: 'mqtt', topic: 'dut/version', extract: { regex: 'v(\\d+\\.\\d+)' }, timeoutMs: 2000 },
    })
    await dut.publishAsync('dut/version', 'running v1.0', { retain: true, qos: 1 })
    expect(await observe.version()).toMatchObject({ observed: true, value: '1.0' })
    await sleep(5) // "since" counts from its millisecond on
    const since = Date.now()
    const later = observe.version({ since })
    await sleep(20)
    await dut.publishAsync('dut/version', 'running v1.1', { retain: true })
    expect(await later).toMatchObject({ observed: true, value: '1.1' })
  })

  it('reads the first final outcome since the delivery; nothing at all is not observed', async () => {
    const { observe, dut } = await setup({
      outcome: { from: 'mqtt', topic: 'jobs/+/update', extract: { state: { pointer: '/status' } }, states: STATES, timeoutMs: 2000 },
    })
    await observe.listen()
    const since = Date.now()
    const reading = observe.outcome(since)
    await dut.publishAsync('jobs/7/update', '{"status":"IN_PROGRESS"}')
    await dut.publishAsync('jobs/7/update', '{"status":"FAILED"}')
    expect(await reading).toMatchObject({ observed: true, value: { state: 'rejected' } })

    const quiet = await setup({
      outcome: { from: 'mqtt', topic: 'jobs/+/update', extract: { state: { pointer: '/status' } }, states: STATES, timeoutMs: 50 },
    })
    expect(await quiet.observe.outcome(Date.now())).toMatchObject({ observed: false, declared: true })
  })

  it('counts the messages on the checks topic as update checks, and any message on the alive topic as a sign of life', async () => {
    const { observe, dut } = await setup({
      checks: { from: 'mqtt', topic: '$aws/things/dut/jobs/get' },
      alive: { from: 'mqtt', topic: 'dut/heartbeat', timeoutMs: 1000 },
    })
    await observe.listen()
    const since = Date.now()
    await dut.publishAsync('$aws/things/dut/jobs/get', '{}')
    await dut.publishAsync('dut/other', 'x')
    await dut.publishAsync('dut/heartbeat', 'up')
    expect(await observe.alive({ since })).toMatchObject({ observed: true, value: true })
    expect((await observe.checks(since)).map((c) => c.what)).toEqual(['message on $aws/things/dut/jobs/get'])
  })

  it("uses the MQTT adapter's broker when observe.mqtt is not given", async () => {
    const broker = await startAedes()
    brokers.push(broker)
    const adapter = { kind: 'mqtt', url: broker.url, qos: 1, timeouts: { defaultMs: 300, operations: {} } } as DutProfile['adapter']
    const { observe } = observing(observeProfile({ alive: { from: 'mqtt', topic: 'dut/online', timeoutMs: 1000 } }, [], adapter))
    await observe.listen()
    const since = Date.now()
    await sleep(2) // a report in the same millisecond as `since` may predate it and is not taken
    await (await device(broker.url)).publishAsync('dut/online', '1')
    expect(await observe.alive({ since })).toMatchObject({ observed: true, value: true })
  })

  it('says what is wrong with the broker: none, not on loopback, not there', async () => {
    const fact = { version: { from: 'mqtt', topic: 'v', extract: { pointer: '/v' }, timeoutMs: 10 } } as const
    await expect(observing(observeProfile(fact)).observe.version()).rejects.toMatchObject({
      code: 'E_OBSERVE_CONFIG',
      message: 'observations from mqtt need a broker: give observe.mqtt.url, or use adapter.kind mqtt',
    })
    await expect(observing(observeProfile({ ...fact, mqtt: { url: 'mqtt://192.0.2.1:1883' } })).observe.listen()).rejects.toMatchObject({
      code: 'E_OBSERVE_CONFIG',
      message: expect.stringMatching(/^observe\.mqtt: host "192\.0\.2\.1" is not a loopback address/),
    })
    const port = await freePort()
    await expect(observing(observeProfile({ ...fact, mqtt: { url: `mqtt://127.0.0.1:${port}` } })).observe.listen()).rejects.toMatchObject({
      code: 'E_OBSERVE_BROKER',
      message: expect.stringMatching(new RegExp(`^cannot observe MQTT at mqtt://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`)),
    })
  })

  it('reads the broker password from the credentials the lab handed the run', async () => {
    const fact = {
      alive: { from: 'mqtt', topic: 'a', timeoutMs: 10 },
      mqtt: { url: 'mqtt://127.0.0.1:1', username: 'lab', passwordEnv: 'OBSERVE_PW' },
    } as const
    await expect(observing(observeProfile(fact)).observe.listen()).rejects.toMatchObject({
      code: 'E_OBSERVE_CONFIG',
      message: 'credentials missing: set the environment variable OBSERVE_PW (named by observe.mqtt.passwordEnv)',
    })
  })
})
