import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { MqttOperationMap } from '../../../adapters/mqtt/profile.ts'
import { imageFile, rejection, tempDir } from '../http/helpers.ts'
import { BROKERS, broker, dutFor, fakeDevice, namespace, profile, sleep, type FakeDevice } from './helpers.ts'

const MB = 1024 * 1024

describe.each(BROKERS)('MQTT deliveries, outcomes and restarts through %s', (_name, start) => {
  it('url mode: tells the device where to fetch the image, with the image placeholders filled', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'update-2.5', 1000)
    const device = await fakeDevice(url, {
      [`${ns}/update`]: (m, d) => d.publish(`${ns}/update/ack`, { id: m.json?.id, ok: 'accepted', note: 'downloading' }),
    })
    const { dut } = dutFor(
      profile(url, {
        'deliver-image': {
          mode: 'url',
          publish: {
            topic: `${ns}/update`,
            payload:
              '{"id":"{{requestId}}","url":"{{image.url}}","sha256":"{{image.sha256}}","size":{{image.size}},"name":"{{image.name}}","version":"{{image.version}}"}',
          },
          reply: { topic: `${ns}/update/ack`, match: { pointer: '/id', equals: '{{requestId}}' } },
          extract: { accepted: { pointer: '/ok' }, message: { pointer: '/note' } },
        },
      }),
    )
    const receipt = await dut.deliverImage({ ...image, version: '2.5.0' } as typeof image, {
      imageUrl: 'https://127.0.0.1:8702/images/update-2.5',
    })
    expect(receipt).toEqual({ accepted: true, message: 'downloading' })
    expect(device.received[0]!.json).toMatchObject({
      url: 'https://127.0.0.1:8702/images/update-2.5',
      sha256: image.sha256,
      size: 1000,
      name: 'update-2.5',
      version: '2.5.0',
    })
    const err = await rejection(dut.deliverImage(image))
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toBe('deliver-image: mode url needs the URL the image is served at, and none was given')
  })

  it.each([
    ['binary', 3 * MB + 12_345, 64 * 1024],
    ['base64', 2 * MB + 7, 100_000],
  ] as const)(
    'chunks mode (%s): streams a multi-megabyte image the device reassembles byte for byte',
    async (encoding, size, chunkBytes) => {
      const { url } = await broker(start)
      const ns = namespace()
      const image = await imageFile(await tempDir(), `big-${encoding}`, size)
      const parts = new Map<number, Buffer>()
      let announced: Record<string, unknown> | undefined
      let totalSeen = ''
      await fakeDevice(url, {
        [`${ns}/fw/begin`]: (m) => {
          announced = m.json
        },
        [`${ns}/fw/chunk/+/+`]: (m) => {
          const [, , , index, total] = m.topic.split('/').slice(-5)
          totalSeen = total!
          parts.set(Number(index), encoding === 'base64' ? Buffer.from(m.text, 'base64') : m.payload)
        },
        [`${ns}/fw/end`]: (m, d) => {
          const data = Buffer.concat([...parts.keys()].sort((a, b) => a - b).map((k) => parts.get(k)!))
          const sha256 = createHash('sha256').update(data).digest('hex')
          return d.publish(`${ns}/fw/result`, { id: m.json?.id, ok: sha256 === announced?.sha256, bytes: data.length, sha256 })
        },
      })
      const { dut, entries } = dutFor(
        profile(
          url,
          {
            'deliver-image': {
              mode: 'chunks',
              begin: { topic: `${ns}/fw/begin`, payload: '{"size":{{image.size}},"sha256":"{{image.sha256}}"}' },
              topic: `${ns}/fw/chunk/{{chunk.index}}/{{chunk.total}}`,
              chunkBytes,
              encoding,
              end: { topic: `${ns}/fw/end`, payload: '{"id":"{{requestId}}"}' },
              reply: { topic: `${ns}/fw/result`, match: { pointer: '/id', equals: '{{requestId}}' } },
              extract: { accepted: { pointer: '/ok' }, message: { pointer: '/sha256' } },
            },
          },
          { timeouts: { defaultMs: 10_000, operations: {} } },
        ),
      )
      const receipt = await dut.deliverImage(image)
      const chunks = Math.ceil(size / chunkBytes)
      expect(receipt).toEqual({ accepted: true, message: image.sha256 })
      expect(parts.size).toBe(chunks)
      expect(totalSeen).toBe(String(chunks))
      expect(announced).toEqual({ size, sha256: image.sha256 })

      // One evidence entry per chunk (size, hash, no excerpt of binary), and a summary of the transfer.
      const sent = entries().filter((e) => e.detail?.direction === 'out' && typeof e.detail.chunk === 'number')
      expect(sent).toHaveLength(chunks)
      expect(sent[0]!.detail).toMatchObject({ chunk: 0, chunks, imageBytes: chunkBytes, encoding })
      expect(sent.at(-1)!.detail).toMatchObject({ chunk: chunks - 1, imageBytes: size - (chunks - 1) * chunkBytes })
      if (encoding === 'binary') expect(sent[0]!.detail?.excerpt).toBeUndefined()
      const summary = entries().find((e) => e.summary.includes('chunks ('))!
      expect(summary.detail).toMatchObject({ chunks, bytes: size, sha256: image.sha256 })
    },
  )

  it('a delivery whose reply never comes, or cannot be read, is a receipt with a message, not an error', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'img', 100)
    await fakeDevice(url, { [`${ns}/garbled`]: (_, d) => d.publish(`${ns}/garbled/ack`, 'OK!!') })
    const ops = (topic: string): MqttOperationMap => ({
      'deliver-image': {
        mode: 'url',
        publish: { topic, payload: '{{image.url}}' },
        reply: { topic: `${topic}/ack` },
        extract: { accepted: { pointer: '/ok' } },
      },
    })
    const fast = { timeouts: { defaultMs: 300, operations: {} } }
    const { dut: silent } = dutFor(profile(url, ops(`${ns}/silent`), fast))
    expect(await silent.deliverImage(image, { imageUrl: 'http://127.0.0.1:1/x' })).toEqual({
      message: `no reply on ${ns}/silent/ack within 300 ms`,
    })
    const { dut: garbled } = dutFor(profile(url, ops(`${ns}/garbled`), fast))
    expect(await garbled.deliverImage(image, { imageUrl: 'http://127.0.0.1:1/x' })).toEqual({
      message: `(accepted: expected a JSON payload on ${ns}/garbled/ack, got "OK!!")`,
    })
  })

  it('read-outcome: pending states keep it waiting until a final state, including events sent before it was asked', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'img', 100)
    await fakeDevice(url, {
      [`${ns}/update`]: async (m, d) => {
        const event = (state: string, extra = {}) => d.publish(`${ns}/events`, { delivery: m.json?.id, state, ...extra })
        await d.publish(`${ns}/events`, { delivery: 'an older one', state: 'rejected' })
        await event('downloading')
        await sleep(300)
        await event('verifying')
        await event('weird-state')
        await sleep(200)
        await event('installing')
        await event('installed', { version: '2.5.0', reason: 'signature ok' })
      },
    })
    const states = { installed: ['installed'], rejected: ['rejected'], pending: ['downloading', 'verifying', 'installing'] }
    const { dut, entries } = dutFor(
      profile(url, {
        'deliver-image': { mode: 'url', publish: { topic: `${ns}/update`, payload: '{"id":"{{requestId}}"}' } },
        'read-outcome': {
          reply: { topic: `${ns}/events`, match: { pointer: '/delivery', equals: '{{requestId}}' } },
          extract: { state: { pointer: '/state' }, version: { pointer: '/version' }, detail: { pointer: '/reason' } },
          states,
          timeoutMs: 5000,
        },
      }),
    )
    await dut.deliverImage(image, { imageUrl: 'http://127.0.0.1:1/x' })
    await sleep(100)
    expect(await dut.readOutcome()).toEqual({ state: 'installed', version: '2.5.0', detail: 'signature ok' })
    // The first event came before read-outcome was asked; it was collected all the same.
    const taken = entries().filter((e) => Array.isArray(e.detail?.takenBy) && (e.detail.takenBy as string[]).includes('read-outcome'))
    expect(taken.map((e) => JSON.parse(String(e.detail?.excerpt)).state)).toEqual([
      'downloading',
      'verifying',
      'weird-state',
      'installing',
      'installed',
    ])
  })

  it('read-outcome on a retained state topic: the state from before the delivery is not its outcome, the verdict 50 ms after the reply is', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'img', 100)
    const device = await fakeDevice(url, {
      [`${ns}/update`]: async (m, d) => {
        await d.publish(`${ns}/update/ack`, { id: m.json?.id, ok: true })
        await sleep(50)
        await d.publish(`${ns}/state`, { state: 'verification-failed' }, { retain: true })
      },
    })
    // The state of the last update, retained on the broker: the broker hands it to every new subscription.
    await device.publish(`${ns}/state`, { state: 'installed' }, { retain: true })
    const { dut } = dutFor(
      profile(url, {
        'deliver-image': {
          mode: 'url',
          publish: { topic: `${ns}/update`, payload: '{"id":"{{requestId}}"}' },
          reply: { topic: `${ns}/update/ack`, match: { pointer: '/id', equals: '{{requestId}}' } },
          extract: { accepted: { pointer: '/ok' } },
        },
        'read-outcome': {
          reply: { topic: `${ns}/state`, retained: true },
          extract: { state: { pointer: '/state' } },
          states: { installed: ['installed'], rejected: ['verification-failed'], pending: [] },
          timeoutMs: 1000,
        },
      }),
    )
    expect(await dut.deliverImage(image, { imageUrl: 'http://127.0.0.1:1/x' })).toEqual({ accepted: true })
    await sleep(300)
    expect(await dut.readOutcome()).toEqual({ state: 'rejected' })
    // Asked again, read-outcome subscribes afresh and takes the retained state, now the verdict.
    expect(await dut.readOutcome()).toEqual({ state: 'rejected' })
    await device.publish(`${ns}/state`, '', { retain: true })
  })

  it('read-outcome that asks, and gives up with unknown (saying what it last saw) when no final state comes', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    await fakeDevice(url, {
      [`${ns}/status/get`]: (m, d) => d.publish(`${ns}/status`, { id: m.text, state: 'installing' }),
    })
    const { dut } = dutFor(
      profile(url, {
        'read-outcome': {
          publish: { topic: `${ns}/status/get`, payload: '{{requestId}}' },
          reply: { topic: `${ns}/status`, match: { pointer: '/id', equals: '{{requestId}}' } },
          extract: { state: { pointer: '/state' } },
          states: { installed: ['ok'], rejected: ['failed'], pending: ['installing'] },
          timeoutMs: 600,
        },
      }),
    )
    const started = Date.now()
    expect(await dut.readOutcome()).toEqual({ state: 'unknown', detail: 'no final outcome within 600 ms (still "installing")' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reboot publishes the command, then waits until identify answers again', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    let down = false
    let rebootedAt = 0
    const device: FakeDevice = await fakeDevice(url, {
      [`${ns}/cmd/reboot`]: () => {
        down = true
        rebootedAt = Date.now()
        setTimeout(() => {
          down = false
        }, 1200)
      },
      [`${ns}/cmd/info`]: (m, d) => (down ? undefined : d.publish(`${ns}/info`, { id: m.text, model: 'M', version: '1' })),
    })
    const { dut, entries } = dutFor(
      profile(
        url,
        {
          identify: {
            publish: { topic: `${ns}/cmd/info`, payload: '{{requestId}}' },
            reply: { topic: `${ns}/info`, match: { pointer: '/id', equals: '{{requestId}}' } },
            extract: { model: { pointer: '/model' }, version: { pointer: '/version' } },
          },
          reboot: { publish: { topic: `${ns}/cmd/reboot`, payload: 'now' }, readyTimeoutMs: 10_000 },
        },
        { timeouts: { defaultMs: 2000, operations: { identify: 400 } } },
      ),
    )
    await dut.reboot()
    expect(rebootedAt).toBeGreaterThan(0)
    expect(Date.now() - rebootedAt).toBeGreaterThanOrEqual(1200)
    expect(device.received.filter((m) => m.topic === `${ns}/cmd/info`).length).toBeGreaterThan(1)
    expect(entries().at(-1)!.summary).toMatch(/^reboot: the device answered again after \d+\.\d s \(\d+ attempts\)$/)
  })

  it('reboot gives up with E_DUT_TIMEOUT when the device does not come back', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    await fakeDevice(url, { [`${ns}/cmd/reboot`]: () => {} })
    const { dut } = dutFor(
      profile(
        url,
        {
          identify: {
            publish: { topic: `${ns}/cmd/info`, payload: '' },
            reply: { topic: `${ns}/info` },
            extract: { model: { pointer: '/m' }, version: { pointer: '/v' } },
          },
          reboot: { publish: { topic: `${ns}/cmd/reboot`, payload: '' }, readyTimeoutMs: 800 },
        },
        { timeouts: { defaultMs: 300, operations: {} } },
      ),
    )
    const err = await rejection(dut.reboot())
    expect(err.code).toBe('E_DUT_TIMEOUT')
    expect(err.message).toMatch(
      /^reboot: the device did not answer identify again within 800 ms \(last: no reply on .*\/info within \d+ ms\)$/,
    )
  })
})
