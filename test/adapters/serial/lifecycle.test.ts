import { describe, expect, it } from 'vitest'
import { OPERATIONS, deviceOnPty, dutFor, lines, profile, rejection } from './helpers.ts'

describe('read-outcome over the console', () => {
  it('polls every intervalMs while the state is pending, until it is installed', async () => {
    const { device, pair } = await deviceOnPty()
    const { dut } = dutFor(profile(pair.a))
    expect(await dut.readOutcome()).toEqual({ state: 'installed', version: '1.5.0', detail: 'signature verified' })
    expect(device.commands).toEqual(['update status', 'update status', 'update status'])
  })

  it('reports rejected as the device words it', async () => {
    const { pair } = await deviceOnPty({ commands: { 'update status': () => ['update: failed (bad signature)'] } })
    const { dut } = dutFor(profile(pair.a))
    expect(await dut.readOutcome()).toEqual({ state: 'rejected', detail: 'bad signature' })
  })

  it('is unknown, with what was last seen, when no final state comes within timeoutMs', async () => {
    const { pair } = await deviceOnPty({ commands: { 'update status': () => ['update: pending'] } })
    const { dut } = dutFor(profile(pair.a, { 'read-outcome': { ...OPERATIONS['read-outcome']!, timeoutMs: 600 } }))
    const started = Date.now()
    expect(await dut.readOutcome()).toEqual({ state: 'unknown', detail: 'no final outcome within 600 ms (still "pending")' })
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('names a state the profile does not map', async () => {
    const { pair } = await deviceOnPty({ commands: { 'update status': () => ['update: flashing'] } })
    const { dut } = dutFor(profile(pair.a, { 'read-outcome': { ...OPERATIONS['read-outcome']!, timeoutMs: 400 } }))
    const outcome = await dut.readOutcome()
    expect(outcome.state).toBe('unknown')
    expect(outcome.detail).toMatch(
      /reported state "flashing", which the profile does not map \(known states: "installed", "rejected", "failed", "pending", "downloading"\)/,
    )
  })
})

describe('reboot over the console', () => {
  it('sends the command, sits out the boot chatter, and returns once identify answers again', async () => {
    const { device, pair } = await deviceOnPty({ rebootMs: 400 })
    const { dut, entries } = dutFor(profile(pair.a, OPERATIONS, { timeouts: { defaultMs: 1500, operations: { identify: 500 } } }))
    const started = Date.now()
    await dut.reboot()
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    expect(device.commands[0]).toBe('reboot')
    expect(device.commands.at(-1)).toBe('identify')
    const log = lines(entries()).map((l) => l.text)
    expect(log).toContain('rebooting...')
    expect(log).toContain('[    1.234567] OK Started network')
    expect(log).toContain('Hit any key to stop autoboot:  1 ')
    expect(entries().map((e) => e.summary)).toContainEqual(
      expect.stringMatching(/^reboot: the device answered again after \d+\.\d s \(\d+ attempts?\)$/),
    )
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
  })

  it('logs in again after the reboot when the console asks', async () => {
    const login = { username: 'root', passwordEnv: 'PW', userPrompt: 'login: $', passwordPrompt: 'Password: $' }
    const { pair } = await deviceOnPty({ login: { username: 'root', password: 'hunter2-long' }, rebootMs: 200 })
    const { dut, entries } = dutFor(profile(pair.a, OPERATIONS, { login }), { PW: 'hunter2-long' })
    await dut.reboot()
    expect(entries().filter((e) => e.summary === 'logged in to the console as root')).toHaveLength(2)
    expect(JSON.stringify(entries())).not.toContain('hunter2-long')
  })

  it('fails with E_DUT_TIMEOUT when the device does not come back within readyTimeoutMs', async () => {
    const { pair } = await deviceOnPty({ rebootMs: 60_000 })
    const { dut } = dutFor(
      profile(
        pair.a,
        { ...OPERATIONS, reboot: { send: 'reboot', expect: 'rebooting', readyTimeoutMs: 800 } },
        { timeouts: { defaultMs: 1000, operations: { identify: 300 } } },
      ),
    )
    const started = Date.now()
    const err = await rejection(dut.reboot())
    expect(Date.now() - started).toBeLessThan(2000)
    expect(err).toMatchObject({ code: 'E_DUT_TIMEOUT' })
    expect(err.message).toMatch(
      /^reboot: the device did not answer identify again within 800 ms \(last: no answer to "identify" matching .* within \d+ ms; the console stayed silent\)$/,
    )
  })
})
