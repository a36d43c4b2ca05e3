import { describe, expect, it } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { createSerialDut } from '../../../adapters/serial/index.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import { ansi } from './device.ts'
import { deviceOnPty, deviceOnTcp, dutFor, lines, OPERATIONS, profile, rejection, sleep } from './helpers.ts'

describe('serial console operations', () => {
  it('identify, settings, setting changes, check-now and notifications read named groups from the cleaned answer', async () => {
    const { device, pair } = await deviceOnPty()
    const { dut } = dutFor(profile(pair.a))
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    await dut.changeSettings('disable-automatic-updates')
    await dut.checkNow()
    expect(await dut.readNotifications()).toEqual([
      { time: '2024-05-01T10:00:00Z', kind: 'update', text: 'Firmware 1.5.0 is available' },
      { time: '2024-05-02T11:30:00Z', kind: 'security', text: 'Certificate renewed' },
      { time: '2024-05-03T12:45:00Z', kind: 'update', text: 'Firmware 1.5.0 installed' },
    ])
    expect(device.commands).toEqual(['identify', 'settings', 'set auto off', 'check', 'notifications'])
  })

  it('records every line sent and received, cleaned and flagged, with the echo and the prompt as the device sent them', async () => {
    const { pair } = await deviceOnPty()
    const { dut, entries } = dutFor(profile(pair.a))
    await dut.identify()
    const log = lines(entries())
    const sent = log.findIndex((l) => l.direction === 'sent')
    expect(log[sent]).toEqual({ direction: 'sent', text: 'identify' })
    expect(log[sent + 1]).toEqual({ direction: 'received', text: 'identify' })
    expect(log).toContainEqual({ direction: 'received', text: 'Model:    TS-Cam 3000', cleaned: true })
    expect(log).toContainEqual({ direction: 'received', text: 'Firmware: 1.4.2', cleaned: true })
    for (const e of entries()) {
      expect(e.channel).toBe('serial')
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT/)
    }
    const summary = entries().find((e) => e.detail?.event === 'exchange')
    expect(summary?.summary).toMatch(/^identify: "identify" answered in \d+ ms \(model="TS-Cam 3000", version="1\.4\.2"\)$/)
  })

  for (const eol of ['\r', '\n\r', '\n'] as const) {
    it(`reads a device that ends its lines with ${JSON.stringify(eol)}`, async () => {
      const { pair } = await deviceOnPty({ eol })
      const { dut } = dutFor(profile(pair.a, OPERATIONS, { lineEnding: '\r' }))
      expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
      expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    })
  }

  it('reads a device that does not echo, and one without a prompt declared', async () => {
    const quiet = await deviceOnPty({ echo: false })
    expect(await dutFor(profile(quiet.pair.a)).dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    const plain = await deviceOnPty()
    expect(await dutFor(profile(plain.pair.a, OPERATIONS, { prompt: undefined })).dut.identify()).toEqual({
      model: 'TS-Cam 3000',
      version: '1.4.2',
    })
  })

  it('ignores boot chatter and log lines printed before the command, but keeps them in evidence', async () => {
    const { device, pair } = await deviceOnPty({ bootChatter: ['[    0.1] Firmware: 0.0.1-rom', 'Model:    Bootloader'] })
    const { dut, entries } = dutFor(profile(pair.a))
    await dut.readSettings()
    device.print(`[ 1234.5] ${ansi.green('ntp')}: Firmware: 9.9.9-not-an-answer`)
    device.print('Model:    not-an-answer-either')
    await sleep(100)
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    // The log line came while the prompt was open, so it continues the prompt's line, as on a terminal.
    expect(lines(entries())).toContainEqual({
      direction: 'received',
      text: 'dut> [ 1234.5] ntp: Firmware: 9.9.9-not-an-answer',
      cleaned: true,
    })
    expect(lines(entries())).toContainEqual({ direction: 'received', text: 'Model:    not-an-answer-either' })
  })

  it('drops the echo of the command, so a pattern that would match the command itself reads the answer', async () => {
    const { pair } = await deviceOnPty({
      commands: { 'get state': () => ['state is ready'] },
    })
    const { dut } = dutFor(profile(pair.a, { identify: { send: 'get state', expect: String.raw`(?<model>\w+) (?<version>\w+)` } }))
    expect(await dut.identify()).toEqual({ model: 'state', version: 'is' })
  })

  it('fills settings from on/off, true/false, 1/0, enabled/disabled and yes/no, and says what it cannot read', async () => {
    const answers = [
      ['ON', 'no'],
      ['true', '0'],
      ['1', 'Disabled'],
      ['yes', 'false'],
      ['maybe', 'off'],
    ]
    let i = 0
    const { pair } = await deviceOnPty({
      commands: { settings: () => [`auto-update: ${answers[i]![0]}`, `notify: ${answers[i++]![1]}`] },
    })
    const { dut } = dutFor(profile(pair.a))
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    const err = await rejection(dut.readSettings())
    expect(err).toBeInstanceOf(DutError)
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toBe(
      'read-settings: automaticUpdates: expected a yes/no value (true/false, on/off, enabled/disabled, 1/0), found "maybe"',
    )
  })

  it('works the same over a raw TCP serial port (tcp://, as ser2net exports it)', async () => {
    const { device, url } = await deviceOnTcp({ eol: '\r' })
    const { dut, entries } = dutFor(profile(url))
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    expect(await dut.readNotifications()).toHaveLength(3)
    expect(device.commands).toEqual(['identify', 'notifications'])
    expect(entries()[0]?.summary).toBe(`opened the serial port ${url} (raw TCP; baud rate and framing are set where the port is exported)`)
  })

  it('operations the profile does not declare are E_DUT_NOT_DECLARED, and supports() says so', async () => {
    const { pair } = await deviceOnPty()
    const { dut } = dutFor(
      profile(pair.a, {
        identify: OPERATIONS.identify!,
        'change-settings': { 'enable-notifications': { send: 'set notify on', expect: 'set to on' } },
      }),
    )
    expect(dut.supports('identify')).toBe(true)
    expect(dut.supports('reboot')).toBe(false)
    expect(dut.supports('change-settings')).toBe(true)
    expect(dut.supports('change-settings', 'enable-notifications')).toBe(true)
    expect(dut.supports('change-settings', 'disable-notifications')).toBe(false)
    expect(await rejection(dut.reboot())).toMatchObject({
      code: 'E_DUT_NOT_DECLARED',
      message: 'reboot: operation reboot not declared in the DUT profile',
    })
    expect(await rejection(dut.changeSettings('disable-notifications'))).toMatchObject({ code: 'E_DUT_NOT_DECLARED' })
    await dut.changeSettings('enable-notifications')
  })

  it('rejects rfc2217:// and other schemes when the adapter is created, and refuses hosts that are not loopback', async () => {
    const evidence = new EvidenceLog()
    expect(() => createSerialDut(profile('rfc2217://127.0.0.1:2217'), { evidence })).toThrow(
      /RFC 2217 .* is not supported yet; .*tcp:\/\/host:port/,
    )
    expect(() => createSerialDut(profile('telnet://127.0.0.1:23'), { evidence })).toThrow(/unsupported scheme telnet:\/\//)
    expect(() => createSerialDut(profile('tcp://127.0.0.1'), { evidence })).toThrow(/not a valid tcp:\/\/host:port address/)
    const { dut } = dutFor(profile('tcp://192.0.2.10:4001'))
    const err = await rejection(dut.identify())
    expect(err).toMatchObject({ code: 'E_DUT_REFUSED' })
    expect(err.message).toMatch(/host "192\.0\.2\.10" of adapter\.port is not a loopback address/)
  })
})

describe('serial console login', () => {
  const login = { username: 'admin', passwordEnv: 'DUT_CONSOLE_PASSWORD', userPrompt: 'login: $', passwordPrompt: 'Password: $' }
  const password = 'pa55-w0rd-secret'

  it('logs in when the console asks, and never records the password', async () => {
    const { device, pair } = await deviceOnPty({ login: { username: 'admin', password } })
    const { dut, entries } = dutFor(profile(pair.a, OPERATIONS, { login }), { DUT_CONSOLE_PASSWORD: password })
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    expect(device.commands).toEqual(['identify'])
    const log = lines(entries())
    expect(log).toContainEqual({ direction: 'sent', text: 'admin' })
    expect(log).toContainEqual({ direction: 'sent', text: '***' })
    expect(entries().find((e) => e.detail?.masked)?.summary).toBe('→ ***')
    expect(JSON.stringify(entries())).not.toContain(password)
    expect(entries().map((e) => e.summary)).toContain('logged in to the console as admin')
  })

  it('logs in again when the console asks in the middle of the session, then sends the command again', async () => {
    const { device, pair } = await deviceOnPty({ login: { username: 'admin', password } })
    const { dut, entries } = dutFor(profile(pair.a, OPERATIONS, { login }), { DUT_CONSOLE_PASSWORD: password })
    await dut.identify()
    device.state = { kind: 'login-user' }
    device.print('session timed out')
    device.showPrompt()
    await sleep(100)
    expect(await dut.readSettings()).toEqual({ automaticUpdates: true, notifications: false })
    expect(entries().filter((e) => e.summary === 'logged in to the console as admin')).toHaveLength(2)
    expect(JSON.stringify(entries())).not.toContain(password)
  })

  it('masks the password when the device echoes it', async () => {
    const { pair } = await deviceOnPty({
      login: { username: 'admin', password },
      commands: { whoami: () => [`admin:${password}`] },
    })
    const { dut, entries } = dutFor(
      profile(pair.a, { identify: { send: 'whoami', expect: String.raw`(?<model>\w+):(?<version>\S+)` } }, { login }),
      { DUT_CONSOLE_PASSWORD: password },
    )
    await dut.identify()
    expect(lines(entries())).toContainEqual({ direction: 'received', text: 'admin:***' })
    expect(JSON.stringify(entries())).not.toContain(password)
  })

  it('is refused when the password variable is missing, naming the variable', async () => {
    const { pair } = await deviceOnPty({ login: { username: 'admin', password } })
    const { dut } = dutFor(profile(pair.a, OPERATIONS, { login }), {})
    const err = await rejection(dut.identify())
    expect(err).toMatchObject({ code: 'E_DUT_REFUSED' })
    expect(err.message).toMatch(/environment variable DUT_CONSOLE_PASSWORD \(adapter\.login\.passwordEnv\)/)
  })

  it('is refused when the console rejects the login', async () => {
    const { pair } = await deviceOnPty({ login: { username: 'admin', password } })
    const { dut, entries } = dutFor(profile(pair.a, OPERATIONS, { login }), { DUT_CONSOLE_PASSWORD: 'wrong-password' })
    const err = await rejection(dut.identify())
    expect(err).toMatchObject({ code: 'E_DUT_REFUSED' })
    expect(err.message).toBe(
      'identify: the console refused the login of admin (it asked for the login again); check adapter.login and DUT_CONSOLE_PASSWORD',
    )
    expect(JSON.stringify(entries())).not.toContain('wrong-password')
  })
})
