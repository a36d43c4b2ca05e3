// The `console` source: facts read from the lines a device prints on its serial console without
// being asked, on a fake device behind a real pseudo-terminal. Only lines printed while the tap is
// open count, none from before the time asked about, and a line printed while an exchange runs is
// seen as well as one printed at the idle prompt.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../../adapters/index.ts'
import { formatFinding } from '../../../ixit/findings.ts'
import { tempAssessment } from '../../ixit/helpers.ts'
import { NoneDut } from '../../../adapters/none/index.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import { Observer } from '../../../harness/observe/index.ts'
import type { ObserveSection } from '../../../profile/types.ts'
import type { FakeConsole } from '../../adapters/serial/device.ts'
import { deviceOnPty, dutFor, profile, sleep } from '../../adapters/serial/helpers.ts'
import { closeObservers, observeProfile, observing } from './helpers.ts'

afterEach(closeObservers)

const STATES = { installed: ['success'], rejected: ['failure'], pending: ['waiting'] }

/** `timeoutMs`: how long a fact that has not come yet is waited for. */
const observeWithin = (timeoutMs: number): ObserveSection => ({
  version: { from: 'console', match: '^boot: starting firmware (?<version>\\S+)', timeoutMs },
  model: { from: 'console', match: '^board: (?<model>\\S+)', timeoutMs },
  outcome: {
    from: 'console',
    match: '^\\[upd\\] install(?: (?<version>\\S+))?: (?<state>\\w+)(?: \\((?<detail>.*)\\))?$',
    states: STATES,
    timeoutMs,
  },
  checks: { from: 'console', match: '^\\[upd\\] checking' },
  alive: { from: 'console', match: '^\\[upd\\]', timeoutMs },
})
const OBSERVE = observeWithin(3000)

/** A fake console device, the serial adapter on the other end of the pty, and an observer over both. */
async function consoleObserver(commands = {}, section = OBSERVE) {
  const { device, pair } = await deviceOnPty({ commands })
  // The device sits at its prompt: what it prints on its own starts on a line of its own.
  device.write('\n')
  const p = { ...profile(pair.a), observe: section }
  const { dut, evidence } = dutFor(p)
  const { observe } = observing(p, { dut, evidence })
  return { device, dut, evidence, observe }
}

/** The evidence entry of the received console line with this text. */
function lineEntry(evidence: EvidenceLog, text: string) {
  return evidence.since(0).find((e) => e.detail?.direction === 'received' && e.detail.text === text)
}

describe('observe from console lines', () => {
  it('reads version, model, outcome, checks and liveness from lines the device prints unprompted', async () => {
    const { device, evidence, observe } = await consoleObserver()
    expect(observe.sources).toMatchObject({ version: 'console', model: 'console', outcome: 'console', checks: 'console', alive: 'console' })
    await observe.listen()
    const start = Date.now()
    device.print('boot: starting firmware 2.4.1 (slot B)')
    device.print('board: TS-Cam-3000')
    device.print('[upd] checking for updates (boot) at https://127.0.0.1:1/v1/check')
    // Lines are stamped when they arrive: on a loaded machine the boot lines may arrive late, so the
    // later lines are printed once the boot check has been seen, not after a fixed pause alone.
    const boot = await observe.nextCheck(start - 1, 5000)
    expect(boot).toMatchObject({ what: expect.stringContaining('(boot)') })
    await sleep(50)
    device.print('[upd] install 2.5.0: success')
    device.print('[upd] checking for updates (periodic) at https://127.0.0.1:1/v1/check')
    expect(await observe.nextCheck(boot!.time + 1, 5000)).toMatchObject({ what: expect.stringContaining('(periodic)') })

    const version = await observe.version()
    expect(version).toMatchObject({ observed: true, value: '2.4.1' })
    expect(version.evidence).toEqual([lineEntry(evidence, 'boot: starting firmware 2.4.1 (slot B)')!.id])
    expect(await observe.model()).toMatchObject({ observed: true, value: 'TS-Cam-3000' })
    const outcome = await observe.outcome(start - 1)
    expect(outcome).toMatchObject({ observed: true, value: { state: 'installed', version: '2.5.0' } })
    expect(outcome.evidence).toEqual([lineEntry(evidence, '[upd] install 2.5.0: success')!.id])
    const checks = await observe.checks(start - 1)
    expect(checks.map((c) => c.what)).toEqual([
      'console line "[upd] checking for updates (boot) at https://127.0.0.1:1/v1/check"',
      'console line "[upd] checking for updates (periodic) at https://127.0.0.1:1/v1/check"',
    ])
    expect(checks[1]!.time - checks[0]!.time).toBeGreaterThanOrEqual(40)
    expect(await observe.alive({ since: start - 1 })).toMatchObject({ observed: true, value: true })
  })

  it('reads a rejection with its reason, and waits for a line still to come', async () => {
    const { device, observe } = await consoleObserver()
    await observe.listen()
    const since = Date.now()
    setTimeout(() => device.print('[upd] install: failure (E_SIG: signature does not verify)'), 100)
    expect(await observe.outcome(since)).toMatchObject({
      observed: true,
      value: { state: 'rejected', detail: 'E_SIG: signature does not verify' },
    })
  })

  it('invents nothing from lines before the time asked about, nor from lines printed before it listened', async () => {
    const { device, observe } = await consoleObserver({}, observeWithin(300))
    device.print('boot: starting firmware 1.0.0')
    await sleep(50)
    await observe.listen()
    // Printed before the tap was open: nothing recorded it for the observer.
    expect(await observe.version()).toMatchObject({ observed: false })
    device.print('[upd] install 1.1.0: success')
    device.print('[upd] checking for updates (boot) at x')
    await sleep(100)
    const since = Date.now()
    await sleep(5)
    const outcome = await observe.outcome(since)
    expect(outcome).toMatchObject({ observed: false })
    expect(outcome.observed || outcome.reason).toMatch(/reported no outcome since .* within 300 ms/)
    expect(await observe.checks(since)).toEqual([])
    expect(await observe.version({ since })).toMatchObject({ observed: false })
    const alive = await observe.alive({ since })
    expect(alive).toMatchObject({ observed: true, value: false })
    device.print('boot: starting firmware 1.1.0')
    expect(await observe.version({ since })).toMatchObject({ observed: true, value: '1.1.0' })
  })

  it('sees lines the device prints while an exchange runs, and the exchange still reads its answer', async () => {
    const { dut, observe } = await consoleObserver({
      identify: async (_args: string, d: FakeConsole) => {
        d.print('[upd] checking for updates (periodic) at x')
        await sleep(30)
        d.print('[upd] install 3.0.0: success')
        return ['Model:    TS-Cam 3000', 'Firmware: 3.0.0']
      },
    })
    await observe.listen()
    const since = Date.now() - 1
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '3.0.0' })
    expect(await observe.checks(since)).toHaveLength(1)
    expect(await observe.outcome(since)).toMatchObject({ observed: true, value: { state: 'installed', version: '3.0.0' } })
  })

  it('is a configuration error on a device without a console', async () => {
    const p = observeProfile(OBSERVE)
    const observe = new Observer({
      profile: p,
      dut: new NoneDut(p.name),
      evidence: new EvidenceLog(),
      emulator: () => Promise.reject(new Error('no emulator')),
      credentials: {},
    })
    await expect(observe.listen()).rejects.toMatchObject({ code: 'E_OBSERVE_CONFIG', message: /adapter.kind serial/ })
    await expect(observe.version()).rejects.toMatchObject({ code: 'E_OBSERVE_CONFIG' })
  })
})

describe('console facts in the DUT profile', () => {
  const SERIAL = `name: console-only updater
adapter: { kind: serial, port: /dev/ttyUSB0 }
operations:
  identify: { send: info, expect: 'model (?<model>\\S+), firmware (?<version>\\S+)' }
observe:
  outcome:
    from: console
    match: '^\\[upd\\] install(?: (?<version>\\S+))?: (?<state>\\w+)'
    states: { installed: [success], rejected: [failure], pending: [] }
  checks: { from: console, match: '^\\[upd\\] checking' }
`

  async function load(text: string) {
    const dir = await tempAssessment({ 'dut.yaml': text })
    const result = await loadDutProfile(join(dir, 'dut.yaml'))
    return { ...result, lines: result.findings.map((f) => formatFinding(f).replace(/^.*?: (error|warning): /, '$1: ')) }
  }

  it('loads on a serial adapter, with the timeout defaulted', async () => {
    const { profile, lines } = await load(SERIAL)
    expect(lines).toEqual([])
    expect(profile?.observe?.outcome).toMatchObject({ from: 'console', timeoutMs: 60000 })
    expect(profile?.observe?.checks).toEqual({ from: 'console', match: '^\\[upd\\] checking' })
  })

  it('is a finding on a channel without a console, for a pattern that does not compile and for one without the group it needs', async () => {
    const text = SERIAL.replace('adapter: { kind: serial, port: /dev/ttyUSB0 }', 'adapter: { kind: none }')
      .replace(/operations:\n.*\n/, '')
      .replace("match: '^\\[upd\\] checking'", "match: '^[upd'")
      .concat("  version: { from: console, match: '^firmware \\S+' }\n")
    const { lines } = await load(text)
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^error: \/observe\/outcome\/from: observe\.outcome is read from console lines, but adapter\.kind none has no console/,
        ),
        expect.stringMatching(/^error: \/observe\/checks\/from: observe\.checks is read from console lines/),
        expect.stringMatching(/^error: \/observe\/checks\/match: invalid regular expression/),
        expect.stringMatching(/^error: \/observe\/version\/match: without extract, the version is the group named version/),
      ]),
    )
  })
})
