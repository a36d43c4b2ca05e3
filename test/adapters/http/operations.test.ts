import { createHash } from 'node:crypto'
import type { Server } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { OperationMap } from '../../../adapters/http/profile.ts'
import { dutFor, fakeDevice, json, profile, rejection } from './helpers.ts'

const identify: OperationMap['identify'] = {
  request: { method: 'GET', path: '/api/info' },
  extract: { model: { pointer: '/model' }, version: { pointer: '/version' } },
}

describe('settings', () => {
  it('reads settings as booleans from the usual spellings', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { update: { auto: 'on', notify: 0 } }))
    const { dut } = dutFor(
      profile(device.url, {
        'read-settings': {
          request: { method: 'GET', path: '/api/settings' },
          extract: { automaticUpdates: { pointer: '/update/auto' }, notifications: { pointer: '/update/notify' } },
        },
      }),
    )
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
  })

  it('a value that is no yes/no is a protocol error', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { auto: 'sometimes' }))
    const { dut } = dutFor(
      profile(device.url, {
        'read-settings': { request: { method: 'GET', path: '/s' }, extract: { automaticUpdates: { pointer: '/auto' } } },
      }),
    )
    const err = await rejection(dut.readSettings())
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toBe(
      'read-settings: automaticUpdates: expected a yes/no value (true/false, on/off, enabled/disabled, 1/0), found "sometimes"',
    )
  })

  it('sends the declared request for each change', async () => {
    const device = await fakeDevice((_, res) => json(res, 204, {}))
    const { dut, entries } = dutFor(
      profile(device.url, {
        'change-settings': {
          'disable-automatic-updates': {
            method: 'PUT',
            path: '/api/settings',
            headers: { 'Content-Type': 'application/json' },
            body: '{"autoUpdate":false}',
          },
          'postpone-notifications': { method: 'POST', path: '/api/notifications/postpone?hours=24' },
        },
      }),
    )
    await dut.changeSettings('disable-automatic-updates')
    await dut.changeSettings('postpone-notifications')
    expect(device.requests.map((r) => [r.method, r.url, r.headers['content-type'], r.body.toString()])).toEqual([
      ['PUT', '/api/settings', 'application/json', '{"autoUpdate":false}'],
      ['POST', '/api/notifications/postpone?hours=24', undefined, ''],
    ])
    expect(entries().map((e) => e.detail?.operation)).toEqual(['change-settings', 'change-settings'])
    expect(entries()[0]?.detail?.requestSha256).toBe(createHash('sha256').update('{"autoUpdate":false}').digest('hex'))
    expect(entries()[0]?.detail?.requestBytes).toBe(20)
    const err = await rejection(dut.changeSettings('enable-notifications'))
    expect(err.code).toBe('E_DUT_NOT_DECLARED')
    expect(err.message).toBe('change-settings: setting change enable-notifications not declared in the DUT profile')
  })

  it('a refused change is a protocol error naming the request', async () => {
    const device = await fakeDevice((_, res) => json(res, 409, { error: 'locked' }))
    const { dut } = dutFor(profile(device.url, { 'change-settings': { 'enable-notifications': { method: 'POST', path: '/n/on' } } }))
    const err = await rejection(dut.changeSettings('enable-notifications'))
    expect(err.message).toBe('change-settings: expected a 2xx answer to POST /n/on, got 409 Conflict: {"error":"locked"}')
  })

  it('check-now sends its request', async () => {
    const device = await fakeDevice((_, res) => json(res, 202, {}))
    await dutFor(profile(device.url, { 'check-now': { request: { method: 'POST', path: '/api/update/check' } } })).dut.checkNow()
    expect(device.requests[0]).toMatchObject({ method: 'POST', url: '/api/update/check' })
  })
})

describe('read-notifications', () => {
  it('extracts text, kind and time per item, with pointers relative to the item', async () => {
    const device = await fakeDevice((_, res) =>
      json(res, 200, {
        notifications: [
          { message: { en: 'A security update is available' }, type: 'security-update', at: '2026-11-26T09:00:00Z' },
          { message: { en: 'Update installed' } },
        ],
      }),
    )
    const { dut } = dutFor(
      profile(device.url, {
        'read-notifications': {
          request: { method: 'GET', path: '/api/notifications' },
          extract: {
            items: { pointer: '/notifications' },
            text: { pointer: '/message/en' },
            kind: { pointer: '/type' },
            time: { pointer: '/at' },
          },
        },
      }),
    )
    expect(await dut.readNotifications()).toEqual([
      { text: 'A security update is available', kind: 'security-update', time: '2026-11-26T09:00:00Z' },
      { text: 'Update installed' },
    ])
  })

  it('takes every match of a regular expression as an item', async () => {
    const device = await fakeDevice((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('NOTE[security]: update 1.5 available\nNOTE[info]: rebooted\n')
    })
    const { dut } = dutFor(
      profile(device.url, {
        'read-notifications': {
          request: { method: 'GET', path: '/log' },
          extract: {
            items: { regex: 'NOTE\\[[a-z]+\\]: [^\\n]*', group: '0' },
            text: { regex: ': (.*)$' },
            kind: { regex: '\\[([a-z]+)\\]' },
          },
        },
      }),
    )
    expect(await dut.readNotifications()).toEqual([
      { text: 'update 1.5 available', kind: 'security' },
      { text: 'rebooted', kind: 'info' },
    ])
  })

  it('items that are not a list are a protocol error', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { notifications: 'none' }))
    const { dut } = dutFor(
      profile(device.url, {
        'read-notifications': {
          request: { method: 'GET', path: '/n' },
          extract: { items: { pointer: '/notifications' }, text: { pointer: '/text' } },
        },
      }),
    )
    const err = await rejection(dut.readNotifications())
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toBe('read-notifications: items: expected a list, found "none"')
  })
})

describe('reboot, factory reset, restore', () => {
  /** A device that goes away for `downMs` after a reboot request, dropping that connection. */
  async function rebootingDevice(downMs: number, dropRequest = true) {
    let version = '1.4.2'
    let server: Server
    const device = await fakeDevice((req, res) => {
      if (req.url === '/api/reboot') {
        version = '1.5.0'
        if (dropRequest) req.socket.destroy()
        else json(res, 202, {})
        server.close()
        server.closeAllConnections()
        setTimeout(() => void listenOn(server, device.port), downMs)
        return
      }
      json(res, 200, { model: 'M', version })
    })
    server = device.server
    return device
  }

  async function listenOn(server: Server, port: number) {
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
  }

  it('reboot sends the request (a dropped connection is fine) and waits until identify answers again', async () => {
    const device = await rebootingDevice(600)
    const { dut, entries } = dutFor(
      profile(device.url, {
        identify,
        reboot: { request: { method: 'POST', path: '/api/reboot' }, readyTimeoutMs: 5000 },
      }),
    )
    const started = Date.now()
    await dut.reboot()
    expect(Date.now() - started).toBeGreaterThanOrEqual(600)
    expect(await dut.identify()).toEqual({ model: 'M', version: '1.5.0' })
    expect(entries().some((e) => /^reboot: the device answered again after \d+\.\d s \(\d+ attempts?\)$/.test(e.summary))).toBe(true)
  })

  it('factory reset that answers normally also waits for identify', async () => {
    const device = await rebootingDevice(300, false)
    const { dut } = dutFor(
      profile(device.url, {
        identify,
        'factory-reset': { request: { method: 'POST', path: '/api/reboot' }, readyTimeoutMs: 5000 },
      }),
    )
    await dut.factoryReset()
    expect(await dut.identify()).toEqual({ model: 'M', version: '1.5.0' })
  })

  it('a device that does not come back within readyTimeoutMs is a timeout', async () => {
    const device = await rebootingDevice(60_000)
    const { dut } = dutFor(
      profile(device.url, {
        identify,
        restore: { request: { method: 'POST', path: '/api/reboot' }, readyTimeoutMs: 700 },
      }),
    )
    const started = Date.now()
    const err = await rejection(dut.restore())
    expect(Date.now() - started).toBeLessThan(2000)
    expect(err.code).toBe('E_DUT_TIMEOUT')
    expect(err.message).toMatch(
      /^restore: the device did not answer identify again within 700 ms \(last: cannot reach http:\/\/127\.0\.0\.1:\d+ \(connection refused\)\)$/,
    )
  })

  it('a restart request the device rejects is a protocol error', async () => {
    const device = await fakeDevice((_, res) => json(res, 404, {}))
    const { dut } = dutFor(profile(device.url, { identify, reboot: { request: { method: 'POST', path: '/nope' }, readyTimeoutMs: 1000 } }))
    expect((await rejection(dut.reboot())).code).toBe('E_DUT_PROTOCOL')
  })

  it('undeclared restarts are not declared', async () => {
    const { dut } = dutFor(profile('http://127.0.0.1:1', {}))
    expect((await rejection(dut.factoryReset())).code).toBe('E_DUT_NOT_DECLARED')
  })
})
