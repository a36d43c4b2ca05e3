// Mode console of the reference DUT: a console-only A/B updater. It prints its update checks, the
// result of every installation and its boot banner on its own, has no status, reboot, reset or
// restore commands, and writes a profile that observes it through those lines and the lab bench.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../../adapters/index.ts'
import { CHECK_LINE, INSTALL_LINE } from '../../../sim/modes/console.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../../sim/setup.ts'
import { Terminal } from '../channels.ts'
import { attacksFor, FAST } from '../helpers.ts'

async function terminal(url: string): Promise<Terminal> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1')
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject))
  // Its checks and install results are printed on its own, possibly between an echo and its answer.
  return new Terminal(socket, /^\[upd\] /)
}

const pull = async (setup: ReferenceSetup, wire: string) => {
  const res = await fetch(`${setup.benchUrl}/${wire}`, { method: 'POST' })
  expect(res.status).toBe(200)
}

describe('reference DUT in mode console', () => {
  let setup: ReferenceSetup
  let t: Terminal
  let attacks: Awaited<ReturnType<typeof attacksFor>>

  beforeAll(async () => {
    setup = await createReferenceSetup({ mode: 'console', pty: false, timeScale: FAST })
    t = await terminal(setup.consoleUrl!)
    attacks = await attacksFor(setup)
  })
  afterAll(async () => {
    t.stream.destroy()
    await attacks.cleanup()
    await setup.close()
  })

  it('offers no status, reboot, factory-reset or restore command, but identify, settings, check and deliveries', async () => {
    for (const command of ['update status', 'reboot', 'factory-reset', 'service restore'])
      expect(await t.answer(command)).toMatch(/^error: unknown command/)
    const help = await t.answer('help')
    for (const gone of ['update status', 'reboot', 'factory-reset', 'service restore'])
      expect(help).not.toMatch(new RegExp(`^  ${gone}\\b`, 'm'))
    for (const kept of ['info', 'settings', 'set auto on|off', 'check', 'update url', 'update begin']) expect(help).toContain(`  ${kept}`)
    expect(await t.answer('info')).toMatch(/^model TS701-REF-1, firmware 1\.0\.0/)
    expect(await t.answer('settings')).toMatch(/^auto-update: on\nnotifications: on/)
  })

  it('prints each update check as it starts, the lines the profile counts as checks', async () => {
    const mark = t.raw.length
    expect(await t.answer('check')).toMatch(/^ok: checking for updates/)
    // A periodic check still running absorbs the user's (the device runs one at a time); on this
    // clock the next periodic one follows within a fraction of a second.
    const shown = await t.waitFor(/\[upd\] checking for updates \((user|periodic)\) at http\S+\/v1\/check\?\S+\n/, mark)
    const line = shown.split('\n').find((l) => l.startsWith('[upd]'))!
    expect(line).toMatch(new RegExp(CHECK_LINE))
    // At the prompt, the message goes on a line of its own and the prompt comes back.
    await t.settle()
  })

  it('prints its boot banner with model and version and its boot check after a power cycle by the bench', async () => {
    const mark = t.raw.length
    await pull(setup, 'power-cycle')
    const shown = await t.waitFor(/\[upd\] checking for updates \(boot\) at \S+\n/, mark)
    expect(shown).toMatch(/starting firmware 1\.0\.0[\s\S]*TS701-REF-1 hardware/)
    expect(setup.bench.pulls.get('power-cycle')).toBe(1)
  })

  it('stays off after power-off, with no boot banner, until power-on', async () => {
    await t.settle()
    const mark = t.raw.length
    await pull(setup, 'power-off')
    expect(setup.sim.isUp).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(setup.sim.isUp).toBe(false)
    expect(t.raw.slice(mark)).not.toMatch(/boot ROM/)
    await pull(setup, 'power-on')
    const shown = await t.waitFor(/\[upd\] checking for updates \(boot\) at \S+\n/, mark)
    expect(shown).toMatch(/starting firmware 1\.0\.0/)
    expect(setup.sim.isUp).toBe(true)
  })

  it('prints the result of every installation: success with the version, failure with the reason', async () => {
    await t.settle()
    let mark = t.raw.length
    const rejected = await t.uploadBase64(attacks.byName.get('payload-byte')!.image)
    expect(rejected).toMatch(/update: rejected/)
    let shown = await t.waitFor(/\[upd\] install: failure \([^)\n]+\)\n/, mark)
    const failure = shown.split('\n').find((l) => l.startsWith('[upd] install'))!
    expect(new RegExp(INSTALL_LINE).exec(failure)?.groups).toMatchObject({ state: 'failure', detail: expect.stringMatching(/\S/) })

    await t.settle()
    mark = t.raw.length
    expect(await t.uploadBase64(setup.images.valid)).toMatch(/update: accepted/)
    shown = await t.waitFor(/Type 'help' for commands\.\n/, mark)
    const success = shown.split('\n').find((l) => l.startsWith('[upd] install'))!
    expect(new RegExp(INSTALL_LINE).exec(success)?.groups).toMatchObject({ state: 'success', version: '1.1.0' })
    // Said before the device goes down for the restart into the new slot.
    expect(shown.indexOf(success)).toBeLessThan(shown.indexOf('Restarting system'))

    await pull(setup, 'reflash-baseline')
    expect(await t.answer('info')).toMatch(/firmware 1\.0\.0/)
  })

  it('writes a profile that lints clean: console observations, bench commands, no missing operations', async () => {
    const { profile, findings } = await loadDutProfile(setup.profileFile)
    expect(findings).toEqual([])
    expect(profile?.adapter.kind).toBe('serial')
    expect(Object.keys(profile!.operations).sort()).toEqual(
      ['change-settings', 'check-now', 'deliver-image', 'identify', 'read-notifications', 'read-settings'].sort(),
    )
    expect(profile?.observe).toMatchObject({ checks: { from: 'console' }, outcome: { from: 'console', timeoutMs: 30000 } })
    expect(profile?.bench?.restore).toMatchObject({ command: { argv: ['bash', 'bench.sh', 'reflash-baseline'] } })
  })
})
