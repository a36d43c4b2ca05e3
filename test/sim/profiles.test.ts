import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { connect as tcpConnect } from 'node:net'
import { SerialPort } from 'serialport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { OPERATIONS, type SettingChange } from '../../core/dut.ts'
import { loadDutProfile } from '../../adapters/index.ts'
import type { MqttPublish, MqttReply } from '../../adapters/mqtt/profile.ts'
import type { SerialExchange } from '../../adapters/serial/profile.ts'
import { EXAMPLE_ADDRESSES, exampleProfile, exampleProfileText, EXAMPLES_DIR } from '../../sim/examples.ts'
import {
  channelProfile,
  httpProfile,
  mqttProfile,
  serialProfile,
  type WrittenHttpProfile,
  type WrittenMqttProfile,
  type WrittenSerialProfile,
} from '../../sim/profile.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { clean, LabMqtt, Terminal } from './channels.ts'
import { attacksFor, FAST, sleep } from './helpers.ts'

const CHANGES: SettingChange[] = [
  'enable-automatic-updates',
  'disable-automatic-updates',
  'postpone-automatic-updates',
  'enable-notifications',
  'disable-notifications',
  'postpone-notifications',
]
/** The answers to the consent question of initialization, asked once per factory reset. */
const CONSENT: SettingChange[] = ['consent-automatic-updates', 'decline-automatic-updates']

/** The profile's input as the setup made it, read back from what it wrote. */
function inputOf(written: any, setup: ReferenceSetup) {
  return {
    apiUrl: setup.apiUrl,
    timeScale: written.timeScale,
    updateServer: { port: written.updateServer.port, https: written.updateServer.tls !== undefined },
    files: {
      serverCert: written.updateServer.tls.certFile,
      serverKey: written.updateServer.tls.keyFile,
      caCert: written.updateServer.tls.caCertFile,
      caKey: written.updateServer.tls.caKeyFile,
      valid: written.images.valid.file,
      older: written.images.older.file,
      otherHardware: written.images.attacks[0].file,
    },
    versions: { valid: '1.1.0', older: '0.9.0' },
    otherHardwareId: 'ts701-ref-hw2',
    benchScript: 'bench.sh',
  }
}

describe('DUT profiles per channel', () => {
  const setups = new Map<string, ReferenceSetup>()
  const written = new Map<string, any>()

  beforeAll(async () => {
    for (const channel of ['http', 'mqtt', 'serial'] as const) {
      const setup = await createReferenceSetup({ channel, timeScale: FAST, ...(channel === 'serial' ? { pty: false } : {}) })
      setups.set(channel, setup)
      written.set(channel, parse(await readFile(setup.profileFile, 'utf8')))
    }
  })
  afterAll(async () => {
    for (const s of setups.values()) await s.close()
  })

  it('writes what the typed builders make (HttpDutProfile, MqttDutProfile, SerialDutProfile)', () => {
    const http = setups.get('http')!
    const mqtt = setups.get('mqtt')!
    const serial = setups.get('serial')!
    const h: WrittenHttpProfile = httpProfile(inputOf(written.get('http'), http))
    const m: WrittenMqttProfile = mqttProfile(inputOf(written.get('mqtt'), mqtt), {
      brokerUrl: mqtt.brokerUrl!,
      topicRoot: 'ts701/ts701-ref-hw1',
    })
    const s: WrittenSerialProfile = serialProfile(inputOf(written.get('serial'), serial), { port: serial.consoleUrl! })
    expect(written.get('http')).toEqual(h)
    expect(written.get('mqtt')).toEqual(m)
    expect(written.get('serial')).toEqual(s)
    expect(m.adapter).toEqual({ kind: 'mqtt', url: mqtt.brokerUrl, qos: 1, timeouts: expect.any(Object) })
    expect(s.adapter).toMatchObject({
      kind: 'serial',
      port: serial.consoleUrl,
      baudRate: 115_200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      lineEnding: '\r\n',
      prompt: 'ts701> ?$',
    })
    expect(m.operations['deliver-image']).toMatchObject({ mode: 'chunks', encoding: 'base64', chunkBytes: 16_384 })
    expect(s.operations['deliver-image']).toMatchObject({ mode: 'base64-lines', lineBytes: 768 })
  })

  it('declares every operation and all eight setting changes on every channel, and the same common part', () => {
    const common = (p: any) => {
      const { name: _n, adapter: _a, operations: _o, publications, ...rest } = p
      return { ...rest, publications }
    }
    for (const [channel, p] of written) {
      expect(Object.keys(p.operations).sort(), channel).toEqual([...OPERATIONS].sort())
      expect(Object.keys(p.operations['change-settings']).sort(), channel).toEqual([...CHANGES, ...CONSENT].sort())
      expect(p.mechanisms, channel).toEqual({
        'UpdMech-Network': { via: 'update-server' },
        'UpdMech-LocalUpload': { via: 'deliver-image' },
      })
      // The support page stays on the HTTP API whatever the channel.
      expect(p.publications, channel).toEqual([{ from: 'http://127.0.0.1:8701', to: setups.get(channel)!.apiUrl }])
    }
    const h = common(written.get('http'))
    expect({
      ...common(written.get('mqtt')),
      updateServer: { ...common(written.get('mqtt')).updateServer, port: 0 },
      publications: [],
    }).toEqual({ ...h, updateServer: { ...h.updateServer, port: 0 }, publications: [] })
  })

  it('load without findings in the DUT-profile loader', async () => {
    for (const [channel, setup] of setups) {
      const result = await loadDutProfile(setup.profileFile)
      expect(result.findings, channel).toEqual([])
      expect(result.profile?.adapter.kind, channel).toBe(channel)
    }
  })

  it('names the pty in the serial profile when there is one', async () => {
    const setup = await createReferenceSetup({ channel: 'serial', pty: true, timeScale: FAST })
    try {
      const p = parse(await readFile(setup.profileFile, 'utf8'))
      expect(p.adapter.port).toBe(setup.ttyPath)
      expect(p.adapter.port.startsWith('/')).toBe(true)
      expect((await loadDutProfile(setup.profileFile)).findings).toEqual([])
    } finally {
      await setup.close()
    }
  })

  it('ships examples/reference-dut/profiles/{http,mqtt,serial}.yaml as the builder makes them', async () => {
    for (const channel of ['http', 'mqtt', 'serial'] as const) {
      const text = await readFile(`${EXAMPLES_DIR}/${channel}.yaml`, 'utf8')
      expect(text, `${channel}.yaml is stale: run npx tsx sim/examples.ts`).toBe(exampleProfileText(channel))
      expect(text).toContain(`what \`ts701 sim --channel ${channel}\` writes into its folder`)
      expect(text).not.toMatch(/\{\{(?!requestId|image\.|chunk\.)/)
      const example = parse(text)
      expect(example).toEqual(exampleProfile(channel))
      // The same shape ts701 sim writes, only the addresses differ.
      const setup = setups.get(channel)!
      const live = channelProfile(
        inputOf(written.get(channel), setup),
        channel === 'http'
          ? { kind: 'http' }
          : channel === 'mqtt'
            ? { kind: 'mqtt', brokerUrl: EXAMPLE_ADDRESSES.brokerUrl, topicRoot: 'ts701/ts701-ref-hw1' }
            : { kind: 'serial', port: EXAMPLE_ADDRESSES.consoleUrl },
      )
      const relocated = JSON.parse(JSON.stringify(live).replaceAll(setup.apiUrl, EXAMPLE_ADDRESSES.apiUrl))
      relocated.updateServer.port = EXAMPLE_ADDRESSES.updateServerPort
      relocated.timeScale = example.timeScale
      relocated.observationSeconds = example.observationSeconds
      expect(example).toEqual(relocated)
    }
    expect(exampleProfile('mqtt').adapter).toMatchObject({ url: 'mqtt://127.0.0.1:1883' })
    expect(exampleProfile('serial').adapter).toMatchObject({ port: 'tcp://127.0.0.1:8703' })
    expect(exampleProfile('http').adapter).toMatchObject({ baseUrl: 'http://127.0.0.1:8701' })
    expect(exampleProfile('http').updateServer).toMatchObject({ port: 8702, tls: { certFile: 'tls/update-server.pem' } })
  })
})

// --- The profiles drive the device: each template and pattern, used as an adapter would. -----------

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`placeholder ${name} not filled`)
    return vars[name]!
  })
}

function pointer(value: any, path: string): any {
  return path
    .split('/')
    .slice(1)
    .reduce((v, key) => v?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], value)
}

describe('the MQTT profile drives the device', () => {
  let setup: ReferenceSetup
  let profile: WrittenMqttProfile
  let lab: LabMqtt

  beforeAll(async () => {
    setup = await createReferenceSetup({ channel: 'mqtt', timeScale: FAST })
    profile = parse(await readFile(setup.profileFile, 'utf8'))
    lab = await LabMqtt.connect(setup.brokerUrl!, setup.mqttTopics!.root)
  })
  afterAll(async () => {
    await lab.close()
    await setup.close()
  })

  async function exchange(spec: { publish?: MqttPublish; reply?: MqttReply }, vars: Record<string, string> = {}): Promise<any> {
    const v = { requestId: randomBytes(6).toString('hex'), ...vars }
    const since = performance.now()
    let retained: any
    if (spec.reply?.retained) retained = await lab.retained(setup.brokerUrl!, fill(spec.reply.topic, v))
    if (spec.publish) await lab.client.publishAsync(fill(spec.publish.topic, v), fill(spec.publish.payload, v), { qos: 1 })
    if (!spec.reply) return undefined
    if (retained !== undefined) return retained
    const match = spec.reply.match
    const m = await lab.waitFor(
      fill(spec.reply.topic, v),
      (msg) => !match || !('pointer' in match) || String(pointer(msg.json, match.pointer)) === fill(match.equals, v),
      30_000,
      since,
    )
    return m.json
  }

  it('identify, read-settings (retained state) and all six setting changes', async () => {
    const ops = profile.operations
    const id = await exchange(ops.identify!)
    expect(pointer(id, (ops.identify!.extract.model as { pointer: string }).pointer)).toBe('TS701-REF-1')
    expect(pointer(id, (ops.identify!.extract.version as { pointer: string }).pointer)).toBe('1.0.0')
    const read = async () => {
      const state = await exchange(ops['read-settings']!)
      const ex = ops['read-settings']!.extract as { automaticUpdates: { pointer: string }; notifications: { pointer: string } }
      return { auto: pointer(state, ex.automaticUpdates.pointer), notify: pointer(state, ex.notifications.pointer) }
    }
    expect(await read()).toEqual({ auto: true, notify: true })
    for (const change of CHANGES) expect((await exchange(ops['change-settings']![change]!)).ok, change).toBe(true)
    expect(await read()).toEqual({ auto: false, notify: false })
    await exchange(ops['change-settings']!['enable-automatic-updates']!)
    expect(await read()).toEqual({ auto: true, notify: false })
    await exchange(ops['change-settings']!['enable-notifications']!)
    expect(await read()).toEqual({ auto: true, notify: true })
    expect((await exchange(ops['check-now']!)).ok).toBe(true)
    await exchange(ops['factory-reset']!)
    expect((await exchange(ops.identify!)).ok).toBe(true)
    expect(await read()).toEqual({ auto: true, notify: true })
    // Initialization asks once: declining turns automatic updates off, a second answer is refused.
    expect((await exchange(ops['change-settings']!['decline-automatic-updates']!)).ok).toBe(true)
    expect(await read()).toEqual({ auto: false, notify: true })
    expect((await exchange(ops['change-settings']!['consent-automatic-updates']!)).ok).toBe(false)
  })

  it('deliver-image in chunks, read-outcome, read-notifications, restore', async () => {
    const ops = profile.operations
    const cfg = ops['deliver-image']!
    if (cfg.mode !== 'chunks') throw new Error('chunks expected')
    const deliver = async (image: { path: string; size: number; sha256: string; name: string }) => {
      // One requestId for the whole delivery, as the adapter does.
      const vars = {
        requestId: randomBytes(6).toString('hex'),
        'image.size': String(image.size),
        'image.sha256': image.sha256,
        'image.name': image.name,
      }
      const since = performance.now()
      await lab.client.publishAsync(fill(cfg.begin!.topic, vars), fill(cfg.begin!.payload, vars), { qos: 1 })
      let index = 0
      for await (const chunk of createReadStream(image.path, { highWaterMark: cfg.chunkBytes }) as AsyncIterable<Buffer>) {
        await lab.client.publishAsync(
          fill(cfg.topic, { ...vars, 'chunk.index': String(index++) }),
          cfg.encoding === 'base64' ? chunk.toString('base64') : chunk,
          { qos: 1 },
        )
      }
      await lab.client.publishAsync(fill(cfg.end!.topic, vars), fill(cfg.end!.payload, vars), { qos: 1 })
      const match = cfg.reply!.match as { pointer: string; equals: string }
      return (
        await lab.waitFor(
          fill(cfg.reply!.topic, vars),
          (m) => String(pointer(m.json, match.pointer)) === fill(match.equals, vars),
          30_000,
          since,
        )
      ).json
    }
    const outcome = async () => {
      const o = ops['read-outcome']!
      const vars = { requestId: randomBytes(6).toString('hex') }
      const since = performance.now()
      await lab.client.publishAsync(fill(o.publish!.topic, vars), fill(o.publish!.payload, vars), { qos: 1 })
      const final = [...o.states.installed, ...o.states.rejected]
      const state = (o.extract.state as { pointer: string }).pointer
      return (await lab.waitFor(o.reply.topic, (m) => final.includes(pointer(m.json, state)), 30_000, since)).json
    }
    const attacks = await attacksFor(setup)
    try {
      const rejected = await deliver(attacks.byName.get('payload-byte')!.image)
      expect(pointer(rejected, (cfg.extract!.accepted as { pointer: string }).pointer)).toBe(false)
      expect(await outcome()).toMatchObject({ state: 'rejected' })
    } finally {
      await attacks.cleanup()
    }
    const accepted = await deliver(setup.images.valid)
    expect(pointer(accepted, (cfg.extract!.accepted as { pointer: string }).pointer)).toBe(true)
    expect(pointer(accepted, (cfg.extract!.message as { pointer: string }).pointer)).toMatch(/1\.1\.0/)
    expect(await outcome()).toMatchObject({ state: 'installed', version: '1.1.0' })
    const list = await exchange(ops['read-notifications']!)
    expect(pointer(list, (ops['read-notifications']!.extract.items as { pointer: string }).pointer)).toEqual([
      expect.objectContaining({ kind: 'disruption' }),
    ])
    expect((await exchange(ops.reboot!)).restarting).toBe(true)
    expect((await exchange(ops.identify!)).firmware.version).toBe('1.1.0')
    expect((await exchange(ops.restore!)).restarting).toBe(true)
    expect((await exchange(ops.identify!)).firmware.version).toBe('1.0.0')
  })
})

describe('the serial profile drives the device (over its pty when socat is there)', () => {
  let setup: ReferenceSetup
  let profile: WrittenSerialProfile
  let t: Terminal

  beforeAll(async () => {
    setup = await createReferenceSetup({ channel: 'serial', timeScale: FAST })
    profile = parse(await readFile(setup.profileFile, 'utf8'))
    const port = profile.adapter.port
    if (port.startsWith('tcp://')) {
      const socket = tcpConnect(Number(new URL(port).port), '127.0.0.1')
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
      t = new Terminal(socket)
    } else {
      const serial = new SerialPort({ path: port, baudRate: profile.adapter.baudRate, autoOpen: false })
      await new Promise<void>((resolve, reject) => serial.open((err) => (err ? reject(err) : resolve())))
      t = new Terminal(serial)
    }
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      const s = t.stream as SerialPort
      if (typeof s.close === 'function') s.close(() => resolve())
      else {
        t.stream.destroy()
        resolve()
      }
    })
    await setup.close()
  })

  /** Sends the exchange and matches `expect` against the answer after the echo, as the adapter does. */
  async function exchange(
    ex: SerialExchange,
    vars: Record<string, string> = {},
    until?: RegExp,
  ): Promise<Record<string, string | undefined>> {
    const mark = t.raw.length
    const command = fill(ex.send, vars)
    await t.write(command + profile.adapter.lineEnding)
    const re = new RegExp(ex.expect, 'm')
    const text = await t.waitFor(until ?? new RegExp(`${profile.adapter.prompt}`), mark, 30_000)
    const lines = text.split('\n')
    const afterEcho = lines.slice(lines.findIndex((l) => l.endsWith(command)) + 1).join('\n')
    const m = re.exec(afterEcho)
    if (!m) throw new Error(`/${ex.expect}/ does not match the answer to ${command}:\n${afterEcho}`)
    return { ...m.groups }
  }

  it('every exchange of the profile matches what the console answers', async () => {
    const ops = profile.operations
    expect(await exchange(ops.identify!)).toEqual({ model: 'TS701-REF-1', version: '1.0.0' })
    expect(await exchange(ops['read-settings']!)).toEqual({ automaticUpdates: 'on', notifications: 'on' })
    for (const change of CHANGES) await exchange(ops['change-settings']![change]!)
    expect(await exchange(ops['read-settings']!)).toEqual({ automaticUpdates: 'off', notifications: 'off' })
    await exchange(ops['factory-reset']!, {}, /Type 'help' for commands\.\nts701> $/)
    await exchange(ops['change-settings']!['disable-automatic-updates']!)
    expect(await exchange(ops['read-settings']!)).toEqual({ automaticUpdates: 'off', notifications: 'on' })
    await exchange(ops['check-now']!)
    const outcome = ops['read-outcome']!
    expect((await exchange(outcome)).state).toMatch(/^(idle|checking|rejected)$/)

    const deliver = ops['deliver-image']!
    if (deliver.mode !== 'base64-lines') throw new Error('base64-lines expected')
    const image = setup.images.valid
    const vars = { 'image.size': String(image.size), 'image.sha256': image.sha256 }
    await exchange(deliver.begin, vars, new RegExp(deliver.begin.expect, 'm'))
    for await (const chunk of createReadStream(image.path, { highWaterMark: deliver.lineBytes }) as AsyncIterable<Buffer>) {
      await t.write(chunk.toString('base64') + profile.adapter.lineEnding)
    }
    const verdict = await exchange(deliver.end, {}, new RegExp(deliver.end.expect, 'm'))
    expect(verdict).toMatchObject({ accepted: 'accepted', message: expect.stringMatching(/Version 1\.1\.0 verified and installed/) })
    await t.settle()
    const status = await exchange(outcome)
    expect(outcome.states.installed).toContain(status.state)
    expect(status).toMatchObject({ version: '1.1.0', detail: expect.stringContaining('installed') })

    const list = ops['read-notifications']!
    const mark = t.raw.length
    await t.write(list.send + profile.adapter.lineEnding)
    const text = await t.waitFor(new RegExp(list.end, 'm'), mark)
    const items = text.split('\n').flatMap((l) => {
      const m = new RegExp(list.item).exec(l)
      return m ? [m.groups!] : []
    })
    expect(items).toEqual([
      { time: expect.stringMatching(/Z$/), kind: 'disruption', text: expect.stringMatching(/^The device will restart/) },
    ])
    await t.settle()

    for (const op of ['reboot', 'factory-reset', 'restore'] as const) {
      const mark2 = t.raw.length
      await exchange(ops[op]!, {}, new RegExp(ops[op]!.expect, 'm'))
      await t.waitFor(/Type 'help' for commands\.\nts701> $/, mark2)
      await sleep(5)
    }
    expect(await exchange(ops.identify!)).toEqual({ model: 'TS701-REF-1', version: '1.0.0' })
    expect(await exchange(ops['read-settings']!)).toEqual({ automaticUpdates: 'on', notifications: 'on' })
    expect(clean(t.raw)).not.toContain('error:')
  })
})
