import { describe, expect, it } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { closedPort, dutFor, fakeDevice, json, profile, rawDevice, rejection } from './helpers.ts'

const identify = (path = '/api/info') => ({
  request: { method: 'GET', path },
  extract: { model: { pointer: '/device/model' }, version: { pointer: '/firmware/version' } },
})

describe('identify', () => {
  it('extracts model and version with JSON pointers and records the exchange', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { device: { model: 'TS701-REF-1' }, firmware: { version: '1.4.2' } }))
    const { dut, entries } = dutFor(profile(device.url, { identify: identify() }))
    expect(await dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
    const [entry] = entries()
    expect(entry?.channel).toBe('http')
    expect(entry?.summary).toMatch(/^GET \/api\/info → 200 \(\d+ B in \d+ ms\)$/)
    expect(entry?.detail).toMatchObject({
      operation: 'identify',
      method: 'GET',
      url: `${device.url}/api/info`,
      status: 200,
      requestBytes: 0,
      requestSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    })
    expect(entry?.detail?.responseSha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('extracts with a regular expression (named or numbered group) and from a header', async () => {
    const device = await fakeDevice((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'x-model': 'TS701-REF-1' })
      res.end('<html><p>Firmware version: 2.0.1-beta (build 77)</p></html>')
    })
    const { dut } = dutFor(
      profile(device.url, {
        identify: {
          request: { method: 'GET', path: '/' },
          extract: { model: { header: 'X-Model' }, version: { regex: 'version: (?<v>[^ ]+) \\(build (\\d+)\\)', group: 'v' } },
        },
      }),
    )
    expect(await dut.identify()).toEqual({ model: 'TS701-REF-1', version: '2.0.1-beta' })
  })

  it('joins the template path to a base URL that has a path of its own', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { device: { model: 'M' }, firmware: { version: '1' } }))
    const { dut } = dutFor(profile(`${device.url}/dev/`, { identify: identify('/api/info?full=1') }))
    await dut.identify()
    expect(device.requests[0]?.url).toBe('/dev/api/info?full=1')
  })

  it('sends credentials from the environment but keeps them out of the evidence', async () => {
    const secret = 's3cr3t-t0ken-value'
    const device = await fakeDevice((req, res) => {
      if (req.headers.authorization !== `Bearer ${secret}`) return json(res, 401, { error: 'no' })
      // A careless device echoes the credential back.
      json(res, 200, { device: { model: 'M' }, firmware: { version: '1' }, echo: req.headers.authorization })
    })
    const p = profile(device.url, { identify: identify() }, { auth: { kind: 'bearer', tokenEnv: 'DUT_TOKEN' } })
    const { dut, entries } = dutFor(p, { DUT_TOKEN: secret })
    expect(await dut.identify()).toEqual({ model: 'M', version: '1' })
    const text = JSON.stringify(entries())
    expect(text).not.toContain(secret)
    // The scheme stays, as on every channel and in the emulator: which scheme a device uses is evidence.
    expect(entries()[0]?.detail?.requestHeaders).toMatchObject({ authorization: 'Bearer ***' })
  })

  it('redacts basic credentials and custom credential headers', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { device: { model: 'M' }, firmware: { version: '1' } }))
    const basic = dutFor(profile(device.url, { identify: identify() }, { auth: { kind: 'basic', username: 'admin', passwordEnv: 'PW' } }), {
      PW: 'hunter2-pw',
    })
    await basic.dut.identify()
    const token = Buffer.from('admin:hunter2-pw').toString('base64')
    expect(device.requests[0]?.headers.authorization).toBe(`Basic ${token}`)
    const header = dutFor(
      profile(device.url, { identify: identify() }, { auth: { kind: 'header', name: 'X-Device-Pin', valueEnv: 'PIN' } }),
      { PIN: '987654' },
    )
    await header.dut.identify()
    expect(device.requests[1]?.headers['x-device-pin']).toBe('987654')
    for (const text of [JSON.stringify(basic.entries()), JSON.stringify(header.entries())]) {
      expect(text).not.toContain('hunter2-pw')
      expect(text).not.toContain(token)
      expect(text).not.toContain('987654')
    }
  })

  it('never sends or records user:password written into the base URL', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, { device: { model: 'M' }, firmware: { version: '1' } }))
    const { dut, entries } = dutFor(profile(device.url.replace('http://', 'http://admin:url-password@'), { identify: identify() }))
    await dut.identify()
    expect(device.requests[0]?.headers.authorization).toBeUndefined()
    expect(entries()[0]?.detail?.url).toBe(`${device.url}/api/info`)
    expect(JSON.stringify(entries())).not.toContain('url-password')
  })

  it('refuses when the credential variable is not set, naming it', async () => {
    const device = await fakeDevice((_, res) => json(res, 200, {}))
    const { dut } = dutFor(profile(device.url, { identify: identify() }, { auth: { kind: 'bearer', tokenEnv: 'DUT_TOKEN' } }))
    const err = await rejection(dut.identify())
    expect(err).toBeInstanceOf(DutError)
    expect(err.code).toBe('E_DUT_REFUSED')
    expect(err.message).toBe('identify: credentials missing: set the environment variable DUT_TOKEN (named by adapter.auth.tokenEnv)')
    expect(device.requests).toHaveLength(0)
  })

  it('times out a device that never answers, within the budget', async () => {
    const device = await rawDevice(() => {})
    const { dut, entries } = dutFor(profile(device.url, { identify: identify() }, { timeouts: { defaultMs: 300, operations: {} } }))
    const started = Date.now()
    const err = await rejection(dut.identify())
    expect(Date.now() - started).toBeLessThan(1500)
    expect(err.code).toBe('E_DUT_TIMEOUT')
    expect(err.message).toBe(`identify: no answer from ${device.url} within 300 ms`)
    expect(entries()[0]?.detail?.error).toBe(`no answer from ${device.url} within 300 ms`)
  })

  it('uses the per-operation timeout over the default', async () => {
    const device = await rawDevice(() => {})
    const { dut } = dutFor(profile(device.url, { identify: identify() }, { timeouts: { defaultMs: 5000, operations: { identify: 200 } } }))
    const started = Date.now()
    expect((await rejection(dut.identify())).code).toBe('E_DUT_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('reports an unreachable device', async () => {
    const port = await closedPort()
    const { dut } = dutFor(profile(`http://127.0.0.1:${port}`, { identify: identify() }))
    const err = await rejection(dut.identify())
    expect(err.code).toBe('E_DUT_UNREACHABLE')
    expect(err.message).toBe(`identify: cannot reach http://127.0.0.1:${port} (connection refused)`)
  })

  it('reports answers that do not fit as protocol errors with an excerpt', async () => {
    const device = await fakeDevice((req, res) => {
      if (req.url === '/missing') return json(res, 404, { error: 'not found' })
      if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<html>Login required</html>')
        return
      }
      json(res, 200, { device: { name: 'x' } })
    })
    const run = async (path: string) => rejection(dutFor(profile(device.url, { identify: identify(path) })).dut.identify())
    const missing = await run('/missing')
    expect(missing.code).toBe('E_DUT_PROTOCOL')
    expect(missing.message).toBe('identify: expected a 2xx answer to GET /missing, got 404 Not Found: {"error":"not found"}')
    const html = await run('/html')
    expect(html.message).toBe('identify: expected a JSON answer, got text/html "<html>Login required</html>"')
    const nothing = await run('/api/info')
    expect(nothing.message).toBe('identify: model: JSON pointer /device/model finds nothing in {"device":{"name":"x"}}')
  })

  it('treats 401 and 403 as refused credentials', async () => {
    const device = await fakeDevice((_, res) => json(res, 403, {}))
    const err = await rejection(dutFor(profile(device.url, { identify: identify() })).dut.identify())
    expect(err.code).toBe('E_DUT_REFUSED')
  })

  it('refuses a base URL that is not loopback, without connecting', async () => {
    const { dut } = dutFor(profile('http://192.0.2.10:8701', { identify: identify() }))
    const err = await rejection(dut.identify())
    expect(err.code).toBe('E_DUT_REFUSED')
    expect(err.message).toMatch(/only targets loopback addresses/)
  })

  it('says which operations are declared', async () => {
    const { dut } = dutFor(
      profile('http://127.0.0.1:1', {
        identify: identify(),
        'change-settings': { 'disable-notifications': { method: 'POST', path: '/n/off' } },
      }),
    )
    expect(dut.supports('identify')).toBe(true)
    expect(dut.supports('read-outcome')).toBe(false)
    expect(dut.supports('change-settings')).toBe(true)
    expect(dut.supports('change-settings', 'disable-notifications')).toBe(true)
    expect(dut.supports('change-settings', 'enable-notifications')).toBe(false)
    const err = await rejection(dut.readOutcome())
    expect(err.code).toBe('E_DUT_NOT_DECLARED')
    expect(err.message).toBe('read-outcome: operation read-outcome not declared in the DUT profile')
    expect((await rejection(dut.changeSettings('enable-notifications'))).code).toBe('E_DUT_NOT_DECLARED')
  })
})
