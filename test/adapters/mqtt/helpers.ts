import { randomBytes } from 'node:crypto'
import { connect, type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt'
import { afterEachTest } from '../../hooks.ts'
import type { Dut } from '../../../core/dut.ts'
import { EvidenceLog, type RecordedEntry } from '../../../core/evidence.ts'
import { createMqttDut } from '../../../adapters/mqtt/index.ts'
import type { MqttAdapterConfig, MqttDutProfile, MqttOperationMap } from '../../../adapters/mqtt/profile.ts'
import { fakeProfileCommon } from '../fake-profile.ts'
import { topicMatches } from '../../../adapters/mqtt/topics.ts'
import { startAedes, startMosquitto, type TestBroker } from '../../brokers.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEachTest(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Runs after the test, in reverse order of registration. */
export function cleanup(c: () => Promise<void> | void): void {
  cleanups.push(c)
}

/** Both brokers the adapter must work with; each test gets a fresh aedes, mosquitto may be the shared one. */
export const BROKERS: Array<[string, () => Promise<TestBroker>]> = [
  ['aedes', startAedes],
  ['mosquitto', () => startMosquitto()],
]

export async function broker<B extends TestBroker>(start: () => Promise<B>): Promise<B> {
  const b = await start()
  cleanup(() => b.close())
  return b
}

/** A topic prefix of its own for each test, so tests sharing a broker never see each other's messages. */
export function namespace(): string {
  return `ts701-test/${randomBytes(5).toString('hex')}`
}

export interface DeviceMessage {
  topic: string
  payload: Buffer
  retain: boolean
  qos: number
  text: string
  /** The payload as JSON, where it is JSON. */
  json?: Record<string, unknown>
}

export type Handler = (m: DeviceMessage, device: FakeDevice) => void | Promise<void>

export interface FakeDevice {
  client: MqttClient
  received: DeviceMessage[]
  publish(topic: string, payload: string | Buffer | object, options?: IClientPublishOptions): Promise<void>
  close(): Promise<void>
}

/** A device written for the test: an mqtt.js client answering on the topics its handlers listen to. */
export async function fakeDevice(url: string, handlers: Record<string, Handler>, options: IClientOptions = {}): Promise<FakeDevice> {
  const client = connect(url, { clientId: `fake-device-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0, ...options })
  client.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  const received: DeviceMessage[] = []
  const device: FakeDevice = {
    client,
    received,
    async publish(topic, payload, opts = {}) {
      const body = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : JSON.stringify(payload)
      await client.publishAsync(topic, body, { qos: 1, ...opts })
    },
    async close() {
      await client.endAsync(true).catch(() => {})
    },
  }
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8')
    let json: Record<string, unknown> | undefined
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch {
      // Not JSON; handlers use text or payload.
    }
    const m: DeviceMessage = { topic, payload, retain: packet.retain, qos: packet.qos, text, ...(json !== undefined ? { json } : {}) }
    received.push(m)
    for (const [filter, handler] of Object.entries(handlers)) {
      if (topicMatches(filter, topic)) void Promise.resolve(handler(m, device)).catch(() => {})
    }
  })
  const filters = Object.keys(handlers)
  if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 })
  cleanup(() => device.close())
  return device
}

export function profile(url: string, operations: MqttOperationMap, adapter: Partial<MqttAdapterConfig> = {}): MqttDutProfile {
  return {
    ...fakeProfileCommon('fake MQTT device'),
    adapter: { kind: 'mqtt', url, qos: 1, timeouts: { defaultMs: 2000, operations: {} }, ...adapter },
    operations,
  }
}

/** An adapter for the profile with an in-memory evidence log; closed after the test. */
export function dutFor(
  p: MqttDutProfile,
  env: NodeJS.ProcessEnv = {},
): { dut: Dut; evidence: EvidenceLog; entries: () => RecordedEntry[] } {
  const evidence = new EvidenceLog()
  const dut = createMqttDut(p, { evidence, env })
  cleanup(() => dut.close())
  return { dut, evidence, entries: () => evidence.since(0) }
}

/** The evidence entries of messages, as [direction, topic]. */
export function messages(entries: RecordedEntry[]): Array<[string, string]> {
  return entries.filter((e) => e.detail?.direction).map((e) => [String(e.detail?.direction), String(e.detail?.topic)])
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
