import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MqttOperationMap } from '../../../adapters/mqtt/profile.ts'
import { freePort, startAedes, startMosquitto, type TestBroker } from '../../brokers.ts'
import { imageFile, rejection, tempDir } from '../http/helpers.ts'
import { BROKERS, broker, dutFor, fakeDevice, namespace, profile, sleep } from './helpers.ts'

/** Brokers the test may kill and bring back on the same port. */
const KILLABLE: Array<[string, (port?: number) => Promise<TestBroker>]> = [
  ['aedes', (port) => startAedes(port === undefined ? {} : { port })],
  ['mosquitto', (port) => startMosquitto({ dedicated: true, ...(port === undefined ? {} : { port }) })],
]

const identify = (ns: string): NonNullable<MqttOperationMap['identify']> => ({
  publish: { topic: `${ns}/cmd/info`, payload: '{{requestId}}' },
  reply: { topic: `${ns}/info` },
  extract: { model: { pointer: '/model' }, version: { pointer: '/version' } },
})

// Nothing the adapter does may end in an unhandled rejection or exception, whatever the broker does.
const escaped: unknown[] = []
const onEscape = (err: unknown) => escaped.push(err)
beforeEach(() => {
  escaped.length = 0
  process.on('unhandledRejection', onEscape)
  process.on('uncaughtException', onEscape)
})
afterEach(async () => {
  // Late timers and socket events of a failed operation get their chance to misbehave first.
  await sleep(100)
  process.off('unhandledRejection', onEscape)
  process.off('uncaughtException', onEscape)
  expect(escaped).toEqual([])
})

describe.each(BROKERS)('a sloppy device behind %s', (_name, start) => {
  it('a device that never answers is E_DUT_TIMEOUT within the operation timeout', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const { dut } = dutFor(profile(url, { identify: identify(ns) }, { timeouts: { defaultMs: 5000, operations: { identify: 500 } } }))
    const started = Date.now()
    const err = await rejection(dut.identify())
    const took = Date.now() - started
    expect(err.code).toBe('E_DUT_TIMEOUT')
    expect(err.message).toBe(`identify: no reply on ${ns}/info within 500 ms`)
    expect(took).toBeGreaterThanOrEqual(490)
    expect(took).toBeLessThan(1500)
  })

  it('a garbage payload where JSON is needed is E_DUT_PROTOCOL with an excerpt; unmatched garbage is ignored and named', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    await fakeDevice(url, { [`${ns}/cmd/info`]: (_, d) => d.publish(`${ns}/info`, Buffer.from('<html>500 Internal Server Error</html>')) })
    const { dut } = dutFor(profile(url, { identify: identify(ns) }))
    const err = await rejection(dut.identify())
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toBe(`identify: model: expected a JSON payload on ${ns}/info, got "<html>500 Internal Server Error</html>"`)

    const { dut: matching } = dutFor(
      profile(
        url,
        {
          identify: { ...identify(ns), reply: { topic: `${ns}/info`, match: { pointer: '/id', equals: '{{requestId}}' } } },
        },
        { timeouts: { defaultMs: 400, operations: {} } },
      ),
    )
    const timeout = await rejection(matching.identify())
    expect(timeout.code).toBe('E_DUT_TIMEOUT')
    expect(timeout.message).toBe(
      `identify: no reply on ${ns}/info within 400 ms; 1 other message on it did not match the reply's match (last: "<html>500 Internal Server Error</html>")`,
    )
  })

  it('binary garbage and values of the wrong kind are protocol errors too', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    await fakeDevice(url, {
      [`${ns}/cmd/info`]: (_, d) => d.publish(`${ns}/info`, Buffer.from([0, 1, 2, 3, 4, 5, 0xff, 0xfe, 7, 8, 9])),
      [`${ns}/cmd/settings`]: (_, d) => d.publish(`${ns}/settings`, { auto: 'sometimes' }),
    })
    const { dut } = dutFor(
      profile(url, {
        identify: identify(ns),
        'read-settings': {
          publish: { topic: `${ns}/cmd/settings`, payload: '' },
          reply: { topic: `${ns}/settings` },
          extract: { automaticUpdates: { pointer: '/auto' } },
        },
      }),
    )
    const err = await rejection(dut.identify())
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toBe(`identify: model: expected a JSON payload on ${ns}/info, got 11 bytes of binary data`)
    const settings = await rejection(dut.readSettings())
    expect(settings.message).toBe(
      'read-settings: automaticUpdates: expected a yes/no value (true/false, on/off, enabled/disabled, 1/0), found "sometimes"',
    )
  })
})

describe.each(KILLABLE)('the broker (%s) going away', (_name, start) => {
  it('fails the operation in flight with E_DUT_UNREACHABLE; the next one connects again, once', async () => {
    const first = await start()
    const port = Number(new URL(first.url).port)
    let current: TestBroker = first
    const cleanupBroker = () => current.close()
    try {
      const ns = namespace()
      const { dut, entries } = dutFor(profile(first.url, { identify: identify(ns) }, { timeouts: { defaultMs: 10_000, operations: {} } }))
      const pending = dut.identify()
      pending.catch(() => {})
      await sleep(300)
      const started = Date.now()
      await first.close()
      const err = await rejection(pending)
      expect(err.code).toBe('E_DUT_UNREACHABLE')
      expect(err.message).toBe(`identify: the broker at mqtt://127.0.0.1:${port} closed the connection`)
      expect(Date.now() - started).toBeLessThan(3000)
      expect(entries().some((e) => e.summary === `the broker at mqtt://127.0.0.1:${port} closed the connection (waiting: identify)`)).toBe(
        true,
      )

      // No broker: the next operation tries once and says so, quickly.
      const refused = await rejection(dut.identify())
      expect(refused.code).toBe('E_DUT_UNREACHABLE')
      expect(refused.message).toBe(`identify: cannot reach the broker at mqtt://127.0.0.1:${port} (connection refused)`)

      // The broker is back: the next operation reconnects and works.
      current = await start(port)
      await fakeDevice(current.url, { [`${ns}/cmd/info`]: (_, d) => d.publish(`${ns}/info`, { model: 'M', version: '3' }) })
      expect(await dut.identify()).toEqual({ model: 'M', version: '3' })
    } finally {
      await cleanupBroker()
    }
  })

  it('a delivery cut off by the broker throws E_DUT_UNREACHABLE instead of returning a receipt', async () => {
    const b = await start()
    try {
      const ns = namespace()
      const image = await imageFile(await tempDir(), 'img', 4 * 1024 * 1024)
      await fakeDevice(b.url, {
        [`${ns}/fw/+`]: () => {
          void b.close()
        },
      })
      const { dut } = dutFor(
        profile(b.url, {
          'deliver-image': {
            mode: 'chunks',
            topic: `${ns}/fw/{{chunk.index}}`,
            chunkBytes: 16 * 1024,
            encoding: 'binary',
            reply: { topic: `${ns}/fw/result` },
          },
        }),
      )
      const err = await rejection(dut.deliverImage(image))
      expect(err.code).toBe('E_DUT_UNREACHABLE')
      expect(err.message).toMatch(/^deliver-image: the broker at mqtt:\/\/127\.0\.0\.1:\d+ closed the connection$/)
    } finally {
      await b.close()
    }
  })
})

describe('no broker at all', () => {
  it('is E_DUT_UNREACHABLE at once, for every operation; read-outcome once its wait is over', async () => {
    const port = await freePort()
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'img', 10)
    const { dut, entries } = dutFor(
      profile(`mqtt://127.0.0.1:${port}`, {
        identify: identify(ns),
        'deliver-image': { mode: 'url', publish: { topic: `${ns}/u`, payload: '{{image.url}}' } },
        'read-outcome': {
          reply: { topic: `${ns}/e` },
          extract: { state: { pointer: '/s' } },
          states: { installed: [], rejected: [], pending: [] },
          timeoutMs: 600,
        },
      }),
    )
    const refused = `cannot reach the broker at mqtt://127.0.0.1:${port} (connection refused)`
    for (const run of [() => dut.identify(), () => dut.deliverImage(image, { imageUrl: 'http://127.0.0.1:1/' })]) {
      const started = Date.now()
      const err = await rejection(run())
      expect(err.code).toBe('E_DUT_UNREACHABLE')
      expect(err.message).toMatch(/^[a-z-]+: /)
      expect(err.message.replace(/^[a-z-]+: /, '')).toBe(refused)
      expect(Date.now() - started).toBeLessThan(1000)
    }
    expect(entries().map((e) => e.summary)).toEqual([
      `identify: cannot connect to the broker at mqtt://127.0.0.1:${port}: ${refused}`,
      `deliver-image: cannot connect to the broker at mqtt://127.0.0.1:${port}: ${refused}`,
    ])
    // A channel that is not there during read-outcome is tried again until the outcome's timeout, as
    // over HTTP and a console: a device installing an update may take its broker down for a while.
    const started = Date.now()
    const err = await rejection(dut.readOutcome())
    expect(Date.now() - started).toBeGreaterThanOrEqual(590)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(err.code).toBe('E_DUT_UNREACHABLE')
    expect(err.message).toBe(`read-outcome: no answer via the broker at mqtt://127.0.0.1:${port} during 600 ms (last attempt: ${refused})`)
    expect(entries().slice(2).length).toBeGreaterThan(1)
    for (const e of entries().slice(2))
      expect(e.summary).toBe(`read-outcome: cannot connect to the broker at mqtt://127.0.0.1:${port}: ${refused}`)
  })

  it('a broker that accepts TCP but never answers CONNECT is E_DUT_TIMEOUT after the operation timeout', async () => {
    const { createServer } = await import('node:net')
    const sockets: import('node:net').Socket[] = []
    const silent = createServer((s) => {
      sockets.push(s)
      s.on('error', () => {})
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()))
    const port = (silent.address() as { port: number }).port
    try {
      const { dut } = dutFor(
        profile(`mqtt://127.0.0.1:${port}`, { identify: identify(namespace()) }, { timeouts: { defaultMs: 400, operations: {} } }),
      )
      const started = Date.now()
      const err = await rejection(dut.identify())
      expect(err.code).toBe('E_DUT_TIMEOUT')
      expect(err.message).toBe(`identify: no answer (CONNACK) from the broker at mqtt://127.0.0.1:${port} within 400 ms`)
      expect(Date.now() - started).toBeLessThan(1500)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it('refuses brokers that are not on loopback, without connecting', async () => {
    const { dut, entries } = dutFor(profile('mqtt://192.0.2.10:1883', { identify: identify('x') }))
    const err = await rejection(dut.identify())
    expect(err.code).toBe('E_DUT_REFUSED')
    expect(err.message).toMatch(/^identify: host "192\.0\.2\.10" is not a loopback address/)
    expect(entries()).toEqual([])
  })
})
