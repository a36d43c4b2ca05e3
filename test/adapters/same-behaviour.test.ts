/**
 * One device, three channels: the same answers served over HTTP, through an MQTT broker and on a
 * serial console must read the same to the suites (values, errors, outcomes, evidence notes).
 */
import { describe, expect, it } from 'vitest'
import type { Dut } from '../../core/dut.ts'
import type { RecordedEntry } from '../../core/evidence.ts'
import type { ReceiptTable } from '../../adapters/kit/receipt.ts'
import type { OutcomeStates } from '../../profile/types.ts'
import { startAedes } from '../brokers.ts'
import * as http from './http/helpers.ts'
import * as mqtt from './mqtt/helpers.ts'
import * as serial from './serial/helpers.ts'

const SECRET = 'S3cr3t-shared-credential'
const OUTCOME_MS = 400
/** How long the device is away after a restart. */
const DOWN_MS = 500

/** What the device answers; tests change it before asking. */
interface Answers {
  model: string
  version: string
  settings: [string, string]
  /** The raw outcome state it reports (over JSON, a number stays a number), or silence. */
  outcome: string | number
  /** What it answers a delivery: its exit code or job status, as `update_rc`. */
  receipt: string | number
  /** After a reboot, how long it is away (Infinity: for good). */
  downMs: number
}

const answers = (over: Partial<Answers> = {}): Answers => ({
  model: 'TS-Cam',
  version: '1.4.2',
  settings: ['on', 'off'],
  outcome: 'installing',
  receipt: 'ok',
  downMs: DOWN_MS,
  ...over,
})

interface Driven {
  channel: string
  dut: Dut
  entries: () => RecordedEntry[]
}

const states = { installed: ['installed'], rejected: ['rejected'], pending: ['installing'] }
const timeouts = { defaultMs: 1500, operations: {} }

/** How the lab declared the device: the readiness wait, its outcome states and its receipt table. */
interface Declared {
  readyTimeoutMs: number
  states: OutcomeStates
  receipt?: ReceiptTable
}
const DECLARED: Declared = { readyTimeoutMs: 5000, states }
const SILENT = 'silent'

/** A device that goes away on reboot, for the HTTP and MQTT fakes (the fake console has its own). */
function downtime(a: Answers): { reboot(): void; down(): boolean } {
  let until = 0
  return { reboot: () => (until = Date.now() + a.downMs), down: () => Date.now() < until }
}

async function overHttp(a: Answers, { readyTimeoutMs, states, receipt }: Declared): Promise<Driven> {
  const life = downtime(a)
  const device = await http.fakeDevice((req, res) => {
    if (life.down()) return void req.socket.destroy()
    if (req.headers.authorization !== `Bearer ${SECRET}`) return http.json(res, 401, {})
    if (req.url === '/info') return http.json(res, 200, { model: a.model, version: a.version })
    if (req.url === '/settings') return http.json(res, 200, { auto: a.settings[0], notify: a.settings[1] })
    if (req.url === '/status') return a.outcome === SILENT ? undefined : http.json(res, 200, { state: a.outcome })
    if (req.url === '/update') return http.json(res, 200, { update_rc: a.receipt })
    if (req.url === '/reboot') {
      life.reboot()
      return http.json(res, 200, {})
    }
    http.json(res, 404, {})
  })
  const get = (path: string) => ({ method: 'GET', path })
  const { dut, entries } = http.dutFor(
    http.profile(
      device.url,
      {
        identify: { request: get('/info'), extract: { model: { pointer: '/model' }, version: { pointer: '/version' } } },
        'read-settings': {
          request: get('/settings'),
          extract: { automaticUpdates: { pointer: '/auto' }, notifications: { pointer: '/notify' } },
        },
        'read-outcome': {
          mode: 'poll',
          request: get('/status'),
          extract: { state: { pointer: '/state' } },
          states,
          intervalMs: 50,
          timeoutMs: OUTCOME_MS,
        },
        reboot: { request: { method: 'POST', path: '/reboot' }, readyTimeoutMs },
        'deliver-image': {
          mode: 'url',
          request: { method: 'POST', path: '/update', body: '{{image.url}}' },
          extract: { accepted: { pointer: '/update_rc' } },
          ...(receipt && { receipt }),
        },
      },
      { auth: { kind: 'bearer', tokenEnv: 'TOKEN' }, timeouts },
    ),
    { TOKEN: SECRET },
  )
  return { channel: 'http', dut, entries }
}

async function overMqtt(a: Answers, { readyTimeoutMs, states, receipt }: Declared): Promise<Driven> {
  const life = downtime(a)
  const b = await mqtt.broker(() =>
    startAedes({
      authenticate: (_client, username, password, done) =>
        done(null, username === 'device' || (username === 'lab' && password?.toString() === SECRET)),
    }),
  )
  const ns = mqtt.namespace()
  const answer =
    (topic: string, body: (m: mqtt.DeviceMessage) => object | undefined): mqtt.Handler =>
    async (m, d) => {
      const payload = life.down() ? undefined : body(m)
      if (payload) await d.publish(`${ns}/${topic}`, { id: m.text, ...payload })
    }
  await mqtt.fakeDevice(
    b.url,
    {
      [`${ns}/cmd/info`]: answer('info', () => ({ model: a.model, version: a.version })),
      [`${ns}/cmd/settings`]: answer('settings', () => ({ auto: a.settings[0], notify: a.settings[1] })),
      [`${ns}/cmd/status`]: answer('status', () => (a.outcome === SILENT ? undefined : { state: a.outcome })),
      [`${ns}/cmd/update`]: answer('update', () => ({ update_rc: a.receipt })),
      [`${ns}/cmd/reboot`]: () => life.reboot(),
    },
    { username: 'device' },
  )
  const ask = (name: string) => ({
    publish: { topic: `${ns}/cmd/${name}`, payload: '{{requestId}}' },
    reply: { topic: `${ns}/${name}`, match: { pointer: '/id', equals: '{{requestId}}' } },
  })
  const { dut, entries } = mqtt.dutFor(
    mqtt.profile(
      b.url,
      {
        identify: { ...ask('info'), extract: { model: { pointer: '/model' }, version: { pointer: '/version' } } },
        'read-settings': { ...ask('settings'), extract: { automaticUpdates: { pointer: '/auto' }, notifications: { pointer: '/notify' } } },
        'read-outcome': { ...ask('status'), extract: { state: { pointer: '/state' } }, states, timeoutMs: OUTCOME_MS },
        reboot: { publish: { topic: `${ns}/cmd/reboot`, payload: 'now' }, readyTimeoutMs },
        'deliver-image': {
          mode: 'url',
          ...ask('update'),
          publish: { topic: `${ns}/cmd/update`, payload: '{{requestId}}' },
          extract: { accepted: { pointer: '/update_rc' } },
          ...(receipt && { receipt }),
        },
      },
      { auth: { username: 'lab', passwordEnv: 'PASSWORD' }, timeouts },
    ),
    { PASSWORD: SECRET },
  )
  return { channel: 'mqtt', dut, entries }
}

async function overSerial(a: Answers, { readyTimeoutMs, states, receipt }: Declared): Promise<Driven> {
  const { pair } = await serial.deviceOnPty({
    login: { username: 'root', password: SECRET },
    rebootMs: a.downMs === Infinity ? 60_000 : a.downMs,
    commands: {
      identify: () => [`Model: ${a.model}`, `Firmware: ${a.version}`],
      settings: () => [`auto-update: ${a.settings[0]}`, `notify: ${a.settings[1]}`],
      // Silence: neither an answer nor the prompt.
      'update status': () => (a.outcome === SILENT ? undefined : [`update: ${a.outcome}`]),
      'update fetch': () => [`update_rc=${a.receipt}`],
    },
  })
  const login = { username: 'root', passwordEnv: 'PASSWORD', userPrompt: 'login: $', passwordPrompt: 'Password: $' }
  const { dut, entries } = serial.dutFor(
    serial.profile(
      pair.a,
      {
        identify: serial.OPERATIONS.identify!,
        'read-settings': serial.OPERATIONS['read-settings']!,
        'read-outcome': { ...serial.OPERATIONS['read-outcome']!, states, timeoutMs: OUTCOME_MS },
        reboot: { send: 'reboot', expect: 'rebooting', readyTimeoutMs },
        'deliver-image': {
          mode: 'url',
          exchange: { send: 'update fetch {{image.url}}', expect: String.raw`update_rc=(?<accepted>\S+)` },
          ...(receipt && { receipt }),
        },
      },
      { login, timeouts },
    ),
    { PASSWORD: SECRET },
  )
  // Logged in now, under the default timeout: the console's one-time login is not what the short
  // outcome waits below are about, and on a loaded machine it took most of their 400 ms.
  await dut.identify()
  return { channel: 'serial', dut, entries }
}

/** The same answers on all three channels, declared the same way. */
async function devices(a: Answers, declared: Partial<Declared> = {}): Promise<Driven[]> {
  const d = { ...DECLARED, ...declared }
  return [await overHttp(a, d), await overMqtt(a, d), await overSerial(a, d)]
}

/** What each channel gave, resolved or rejected, as comparable data. */
async function results<T>(
  driven: Driven[],
  run: (dut: Dut) => Promise<T>,
): Promise<Record<string, { value: T } | { code: string | undefined; message: string }>> {
  const out: Record<string, { value: T } | { code: string | undefined; message: string }> = {}
  for (const d of driven) {
    try {
      out[d.channel] = { value: await run(d.dut) }
    } catch (err) {
      const e = err as Error & { code?: string }
      out[d.channel] = { code: e.code, message: e.message }
    }
  }
  return out
}

/** A delivery by URL; the device's words on it, which every channel reads (HTTP adds its status). */
async function deliver(dut: Dut): Promise<{ accepted: boolean | undefined; message: string | undefined }> {
  const image = { name: 'fw-2.0', path: '/nonexistent/fw-2.0.img', size: 1, sha256: '00'.repeat(32) }
  const { accepted, message } = await dut.deliverImage(image, { imageUrl: 'http://127.0.0.1:8702/images/fw-2.0' })
  return { accepted, message }
}

function same<T>(all: Record<string, T>): T {
  const [first, ...rest] = Object.values(all)
  for (const [channel, value] of Object.entries(all)) expect(value, channel).toEqual(first)
  expect(rest).toHaveLength(2)
  return first!
}

describe('the same device over HTTP, MQTT and a serial console', () => {
  it('reads settings the same: active, Enabled, 0 and their opposites; a word that is neither is the same protocol error', async () => {
    const a = answers()
    const driven = await devices(a)
    for (const [words, expected] of [
      [['active', 'inactive'], { automaticUpdates: true, notifications: false }],
      [['Enabled', 'DISABLED'], { automaticUpdates: true, notifications: false }],
      [['0', '1'], { automaticUpdates: false, notifications: true }],
      [['OFF', 'yes'], { automaticUpdates: false, notifications: true }],
    ] as const) {
      a.settings = [...words]
      expect(same(await results(driven, (dut) => dut.readSettings())), words.join('/')).toEqual({ value: expected })
    }
    for (const word of ['sometimes', 'error']) {
      a.settings = [word, 'on']
      expect(same(await results(driven, (dut) => dut.readSettings()))).toEqual({
        code: 'E_DUT_PROTOCOL',
        message: `read-settings: automaticUpdates: expected a yes/no value (true/false, on/off, enabled/disabled, 1/0), found "${word}"`,
      })
    }
  })

  it('reads an outcome that never becomes final the same: unknown, saying what the device last said', async () => {
    const a = answers({ outcome: 'installing' })
    const driven = await devices(a)
    expect(same(await results(driven, (dut) => dut.readOutcome()))).toEqual({
      value: { state: 'unknown', detail: `no final outcome within ${OUTCOME_MS} ms (still "installing")` },
    })
    a.outcome = 'flashing'
    expect(same(await results(driven, (dut) => dut.readOutcome()))).toEqual({
      value: {
        state: 'unknown',
        detail: `no final outcome within ${OUTCOME_MS} ms: the device reported state "flashing", which the profile does not map (known states: "installed", "rejected", "installing")`,
      },
    })
    a.outcome = 'installed'
    expect(same(await results(driven, (dut) => dut.readOutcome()))).toEqual({ value: { state: 'installed' } })
  })

  it("reads a device's own report by the declared tables the same: exit codes and job states, numbers and strings alike", async () => {
    const a = answers()
    const driven = await devices(a, {
      states: { installed: ['SUCCEEDED', '0'], rejected: ['FAILED', '1'], pending: ['IN_PROGRESS'] },
      receipt: { accepted: ['0', 'SUCCEEDED'], refused: ['1', 'FAILED'] },
    })
    for (const [outcome, state] of [
      [0, 'installed'],
      ['0', 'installed'],
      ['SUCCEEDED', 'installed'],
      [1, 'rejected'],
      ['FAILED', 'rejected'],
    ] as const) {
      a.outcome = outcome
      expect(same(await results(driven, (dut) => dut.readOutcome())), `outcome ${JSON.stringify(outcome)}`).toEqual({ value: { state } })
    }
    a.outcome = 'IN_PROGRESS'
    expect(same(await results(driven, (dut) => dut.readOutcome()))).toEqual({
      value: { state: 'unknown', detail: `no final outcome within ${OUTCOME_MS} ms (still "IN_PROGRESS")` },
    })
    for (const [rc, accepted] of [
      [0, true],
      ['0', true],
      ['SUCCEEDED', true],
      [1, false],
      ['FAILED', false],
      // Only the table counts: a shared yes word is no word of this device.
      ['ok', undefined],
    ] as const) {
      a.receipt = rc
      const said = same(await results(driven, (dut) => deliver(dut)))
      expect(said, `update_rc ${JSON.stringify(rc)}`).toMatchObject({ value: { accepted } })
    }
    expect(same(await results(driven, (dut) => deliver(dut)))).toEqual({
      value: {
        accepted: undefined,
        message: '(accepted: expected a value of the receipt table (accepted: "0", "SUCCEEDED"; refused: "1", "FAILED"), found "ok")',
      },
    })
  })

  it('reads a receipt without a declared table by the shared yes/no words the same: update_rc 0 is refused', async () => {
    const a = answers({ receipt: 0 })
    const driven = await devices(a)
    expect(same(await results(driven, (dut) => deliver(dut)))).toEqual({ value: { accepted: false, message: undefined } })
    a.receipt = 'accepted'
    expect(same(await results(driven, (dut) => deliver(dut)))).toEqual({ value: { accepted: true, message: undefined } })
  })

  it('reads a device that never answers read-outcome the same: E_DUT_UNREACHABLE after the wait, saying where and why', async () => {
    const driven = await devices(answers({ outcome: SILENT }))
    const all = await results(driven, (dut) => dut.readOutcome())
    for (const [channel, r] of Object.entries(all)) {
      expect(r, channel).toMatchObject({
        code: 'E_DUT_UNREACHABLE',
        message: expect.stringMatching(new RegExp(`^read-outcome: no answer .+ during ${OUTCOME_MS} ms \\(last attempt: .+\\)$`)),
      })
    }
  })

  it('keeps a secret the device echoes out of the evidence, and out of what it returns', async () => {
    const driven = await devices(answers({ model: `echo ${SECRET}` }))
    expect(same(await results(driven, (dut) => dut.identify()))).toEqual({ value: { model: 'echo ***', version: '1.4.2' } })
    for (const d of driven) {
      const text = JSON.stringify(d.entries())
      expect(text, d.channel).not.toContain(SECRET)
      expect(text, d.channel).toContain('echo ***')
    }
  })

  it('waits for a restarting device the same, and notes it the same', async () => {
    const driven = await devices(answers())
    for (const d of driven) {
      const started = Date.now()
      await d.dut.reboot()
      expect(Date.now() - started, d.channel).toBeGreaterThanOrEqual(DOWN_MS - 50)
      const notes = d.entries().filter((e) => e.detail?.event === 'ready' || e.detail?.event === 'restart-unconfirmed')
      expect(
        notes.map((e) => e.summary),
        d.channel,
      ).toEqual([expect.stringMatching(/^reboot: the device answered again after \d+\.\d s \(\d+ attempts?\)$/)])
      expect(notes[0]!.detail, d.channel).toMatchObject({
        operation: 'reboot',
        event: 'ready',
        attempts: expect.any(Number),
        readyMs: expect.any(Number),
      })
    }
  })

  it('gives up on a device that does not come back the same: E_DUT_TIMEOUT, with the last attempt', async () => {
    const driven = await devices(answers({ downMs: Infinity }), { readyTimeoutMs: 900 })
    const all = await results(driven, (dut) => dut.reboot())
    for (const [channel, r] of Object.entries(all)) {
      expect(r, channel).toMatchObject({
        code: 'E_DUT_TIMEOUT',
        message: expect.stringMatching(/^reboot: the device did not answer identify again within 900 ms \(last: .+\)$/),
      })
    }
    for (const d of driven) {
      expect(
        d
          .entries()
          .filter((e) => e.detail?.event === 'not-ready')
          .map((e) => e.summary),
        d.channel,
      ).toEqual([expect.stringMatching(/^reboot: the device did not answer again within 900 ms \(\d+ attempts\)$/)])
    }
  })
})
