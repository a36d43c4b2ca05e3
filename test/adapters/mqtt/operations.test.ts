import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { MqttOperationMap } from '../../../adapters/mqtt/profile.ts'
import { rejection } from '../http/helpers.ts'
import { BROKERS, broker, dutFor, fakeDevice, messages, namespace, profile } from './helpers.ts'

describe.each(BROKERS)('MQTT operations through %s', (_name, start) => {
  it('identify: publishes the request, takes the reply carrying its requestId, extracts by JSON pointer', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const device = await fakeDevice(url, {
      [`${ns}/cmd`]: async (m, d) => {
        // A reply to someone else first: correlation must skip it.
        await d.publish(`${ns}/reply`, { id: 'not-yours', model: 'WRONG', version: '0' })
        await d.publish(`${ns}/reply`, { id: m.json?.id, device: { model: 'TS701-MQTT' }, firmware: '2.4.1' })
      },
    })
    const { dut, entries } = dutFor(
      profile(url, {
        identify: {
          publish: { topic: `${ns}/cmd`, payload: '{"cmd":"info","id":"{{requestId}}"}' },
          reply: { topic: `${ns}/reply`, match: { pointer: '/id', equals: '{{requestId}}' } },
          extract: { model: { pointer: '/device/model' }, version: { pointer: '/firmware' } },
        },
      }),
    )
    expect(await dut.identify()).toEqual({ model: 'TS701-MQTT', version: '2.4.1' })

    // The request carried a fresh ID, and the reply that answered carried the same.
    const sent = device.received[0]!.json!
    expect(sent.cmd).toBe('info')
    expect(sent.id).toMatch(/^[0-9a-f]{16}$/)
    expect(await dut.identify()).toEqual({ model: 'TS701-MQTT', version: '2.4.1' })
    expect(device.received[1]!.json!.id).not.toBe(sent.id)

    // Evidence: every message in and out, the unmatched reply recorded as ignored.
    const log = entries()
    expect(messages(log).slice(0, 3)).toEqual([
      ['out', `${ns}/cmd`],
      ['in', `${ns}/reply`],
      ['in', `${ns}/reply`],
    ])
    const out = log.find((e) => e.detail?.direction === 'out')!
    const payload = Buffer.from(`{"cmd":"info","id":"${String(sent.id)}"}`)
    expect(out.channel).toBe('mqtt')
    expect(out.detail).toMatchObject({
      operation: 'identify',
      topic: `${ns}/cmd`,
      qos: 1,
      retain: false,
      bytes: payload.length,
      sha256: createHash('sha256').update(payload).digest('hex'),
      excerpt: payload.toString(),
      requestId: sent.id,
    })
    const [ignored, taken] = log.filter((e) => e.detail?.direction === 'in')
    expect(ignored!.detail).toMatchObject({ ignoredBy: ['identify'] })
    expect(ignored!.summary).toContain('(ignored: no match)')
    expect(taken!.detail).toMatchObject({ takenBy: ['identify'], qos: 1, retain: false })
    expect(taken!.detail?.excerpt).toContain('TS701-MQTT')
    expect(log.every((e) => typeof e.time === 'string' && /^E\d{6}$/.test(e.id))).toBe(true)
  })

  it('identify by regular expressions over a text payload, correlated by a regex match', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    await fakeDevice(url, {
      [`${ns}/cmd/info`]: async (m, d) => {
        await d.publish(`${ns}/out`, `noise without id`)
        await d.publish(`${ns}/out`, `req=${m.text} model=CAM-9 fw=v7.0.2-rc1`)
      },
    })
    const { dut } = dutFor(
      profile(url, {
        identify: {
          publish: { topic: `${ns}/cmd/info`, payload: '{{requestId}}' },
          reply: { topic: `${ns}/+`, match: { regex: 'req={{requestId}} ' } },
          extract: { model: { regex: 'model=(\\S+)' }, version: { regex: 'fw=v(?<v>[0-9.]+)', group: 'v' } },
        },
      }),
    )
    expect(await dut.identify()).toEqual({ model: 'CAM-9', version: '7.0.2' })
  })

  it('reads settings from a retained state topic without asking, and ignores retained messages unless told', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const device = await fakeDevice(url, {})
    await device.publish(`${ns}/state`, { update: { auto: 'on', notify: 0 } }, { retain: true })
    const readSettings = (retained: boolean): MqttOperationMap['read-settings'] => ({
      reply: { topic: `${ns}/state`, retained },
      extract: { automaticUpdates: { pointer: '/update/auto' }, notifications: { pointer: '/update/notify' } },
    })
    const { dut } = dutFor(profile(url, { 'read-settings': readSettings(true) }))
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })

    const { dut: fresh } = dutFor(profile(url, { 'read-settings': readSettings(false) }, { timeouts: { defaultMs: 400, operations: {} } }))
    const err = await rejection(fresh.readSettings())
    expect(err.code).toBe('E_DUT_TIMEOUT')
    expect(err.message).toBe(
      `read-settings: no reply on ${ns}/state within 400 ms; a retained message was ignored (set reply.retained: true to accept it)`,
    )
    await device.publish(`${ns}/state`, '', { retain: true })
  })

  it('change-settings and check-now publish exactly what the profile declares, and wait for a declared confirmation', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const device = await fakeDevice(url, {
      [`${ns}/settings/set`]: (m, d) => d.publish(`${ns}/settings/ack`, { ok: true, id: m.json?.id }),
      [`${ns}/check`]: () => {},
      [`${ns}/notify/#`]: () => {},
    })
    const { dut, entries } = dutFor(
      profile(url, {
        'change-settings': {
          'disable-automatic-updates': {
            publish: { topic: `${ns}/settings/set`, payload: '{"autoUpdate":false,"id":"{{requestId}}"}', qos: 2 },
            reply: { topic: `${ns}/settings/ack`, match: { pointer: '/id', equals: '{{requestId}}' } },
          },
          'postpone-notifications': { publish: { topic: `${ns}/notify/postpone`, payload: '24h', qos: 0, retain: true } },
        },
        'check-now': { publish: { topic: `${ns}/check`, payload: '' } },
      }),
    )
    await dut.changeSettings('disable-automatic-updates')
    await dut.changeSettings('postpone-notifications')
    await dut.checkNow()
    await waitFor(() => device.received.length === 3)
    expect(device.received.map((m) => [m.topic, m.text.replace(/[0-9a-f]{16}/, 'ID')])).toEqual([
      [`${ns}/settings/set`, '{"autoUpdate":false,"id":"ID"}'],
      [`${ns}/notify/postpone`, '24h'],
      [`${ns}/check`, ''],
    ])
    const out = entries()
      .filter((e) => e.detail?.direction === 'out')
      .map((e) => [e.detail?.topic, e.detail?.qos, e.detail?.retain])
    expect(out).toEqual([
      [`${ns}/settings/set`, 2, false],
      [`${ns}/notify/postpone`, 0, true],
      [`${ns}/check`, 1, false],
    ])
    expect(entries().some((e) => e.detail?.direction === 'in' && e.detail.topic === `${ns}/settings/ack`)).toBe(true)
    expect(dut.supports('change-settings', 'postpone-notifications')).toBe(true)
    expect(dut.supports('change-settings', 'enable-notifications')).toBe(false)
    const err = await rejection(dut.changeSettings('enable-notifications'))
    expect(err.code).toBe('E_DUT_NOT_DECLARED')
    await device.publish(`${ns}/notify/postpone`, '', { retain: true })
  })

  it('reads notifications: a JSON list by pointer, or every regex match of a text payload', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    await fakeDevice(url, {
      [`${ns}/get/json`]: (_, d) =>
        d.publish(`${ns}/notifications`, {
          items: [{ msg: 'Update 2.5 installed', type: 'security', at: '2025-01-02T03:04:05Z' }, { msg: 'Update available' }],
        }),
      [`${ns}/get/text`]: (_, d) => d.publish(`${ns}/notifications-text`, '[info] Update available\n[security] Update 2.5 installed\n'),
    })
    const { dut } = dutFor(
      profile(url, {
        'read-notifications': {
          publish: { topic: `${ns}/get/json`, payload: '' },
          reply: { topic: `${ns}/notifications` },
          extract: { items: { pointer: '/items' }, text: { pointer: '/msg' }, kind: { pointer: '/type' }, time: { pointer: '/at' } },
        },
      }),
    )
    expect(await dut.readNotifications()).toEqual([
      { text: 'Update 2.5 installed', kind: 'security', time: '2025-01-02T03:04:05Z' },
      { text: 'Update available' },
    ])
    const { dut: text } = dutFor(
      profile(url, {
        'read-notifications': {
          publish: { topic: `${ns}/get/text`, payload: '' },
          reply: { topic: `${ns}/notifications-text` },
          extract: { items: { regex: '\\[\\w+\\] [^\\n]+' }, text: { regex: '\\] (.+)' }, kind: { regex: '\\[(\\w+)\\]' } },
        },
      }),
    )
    expect(await text.readNotifications()).toEqual([
      { text: 'Update available', kind: 'info' },
      { text: 'Update 2.5 installed', kind: 'security' },
    ])
  })

  it('operations the profile does not declare are E_DUT_NOT_DECLARED, without touching the broker', async () => {
    const { dut, entries } = dutFor(profile('mqtt://127.0.0.1:1', {}))
    for (const run of [() => dut.identify(), () => dut.readOutcome(), () => dut.reboot(), () => dut.checkNow()]) {
      expect((await rejection(run())).code).toBe('E_DUT_NOT_DECLARED')
    }
    expect(dut.supports('identify')).toBe(false)
    expect(entries()).toEqual([])
  })
})

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
