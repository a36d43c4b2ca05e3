// RAUC 1.8 (Debian's) as the DUT behind a serial console (examples/rauc-console): a lab reaches
// the gateway only through its console, on a pseudo-terminal as a USB serial adapter shows up,
// or over TCP as ser2net exports it. RAUC refuses every bundle that is not the vendor's for this
// hardware, but it has no notion of an older release: the downgrade installs, and the assessment
// must say so. It never looks for updates itself, so nothing in 5.3-5 may PASS on its behalf.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import { tempDir, ts701Async, type CliResult } from '../cli/helpers.ts'
import { BASELINE, COMPATIBLE, startRaucDevice, type RaucDevice } from './rauc-device.ts'
import { raucRefusals } from './rauc.ts'

interface Run {
  cli: CliResult
  units: UnitResult[]
  groups: Record<string, string>
}

const nameOf = (u: UnitResult) => (u.variant ? `${u.id} ${u.variant}` : u.id)

async function assess(device: RaucDevice, args: string[] = []): Promise<Run> {
  const out = await tempDir('rauc-run')
  const cli = await ts701Async(['run', '--assessment', 'examples/rauc-console', '--dut', device.profile, '--out', out, ...args])
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  return {
    cli,
    units: results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)),
    groups: Object.fromEntries(results.groups.map((g) => [g.id, g.verdict])),
  }
}

const verdicts = (run: Run, prefix: string) =>
  Object.fromEntries(run.units.filter((u) => u.id.startsWith(prefix)).map((u) => [nameOf(u), u.verdict]))
const why = (run: Run) => run.units.map((u) => `${nameOf(u)} ${u.verdict}: ${u.reason}`).join('\n')

/** Each refused bundle, with the words of RAUC's own refusal the console showed. */
const REFUSED = raucRefusals(COMPATIBLE)

describe('RAUC behind its serial console as the DUT (examples/rauc-console)', () => {
  let onPty: RaucDevice
  let onTcp: RaucDevice
  let viaPty: Run
  let viaTcp: Run

  beforeAll(async () => {
    ;[onPty, onTcp] = await Promise.all([startRaucDevice({ pty: true }), startRaucDevice()])
    // One after the other: each is a CLI run with a vitest of its own, and the rest of the suite runs beside this file.
    viaPty = await assess(onPty)
    viaTcp = await assess(onTcp, ['--group', '5.3-2', '--group', '5.3-9'])
  }, 300_000)

  afterAll(async () => {
    await Promise.all([onPty?.stop(), onTcp?.stop()])
  })

  it('refuses every derived attack for its own reason, read from RAUC on the console, and installs the genuine bundle', () => {
    expect(onPty.tty).toBeDefined()
    expect(verdicts(viaPty, '5.3-2-2b'), why(viaPty)).toEqual({
      ...Object.fromEntries([...Object.keys(REFUSED), 'valid-image'].map((a) => [`5.3-2-2b ${a}`, 'PASS'])),
      '5.3-2-2b downgrade': 'FAIL',
    })
    for (const [attack, reason] of Object.entries(REFUSED)) {
      const u = viaPty.units.find((x) => nameOf(x) === `5.3-2-2b ${attack}`)!
      expect(u.reason, attack).toMatch(
        new RegExp(`^rejected the ${attack} image: still at ${BASELINE.replaceAll('.', '\\.')}; the device reported rejected`),
      )
      expect(u.reason, attack).toMatch(reason)
    }
    const valid = viaPty.units.find((u) => nameOf(u) === '5.3-2-2b valid-image')!
    expect(valid.reason).toBe(`installed the valid image: version ${BASELINE} → 1.1.0`)
    expect(verdicts(viaPty, '5.3-9-2'), why(viaPty)).toEqual({ '5.3-9-2a': 'PASS', '5.3-9-2b': 'PASS', '5.3-9-2c': 'PASS' })
  })

  it('installs the older release, booted after its own reboot: the downgrade FAILs 5.3-2-2b and 5.3-1-2a', () => {
    const downgrade = viaPty.units.find((u) => nameOf(u) === '5.3-2-2b downgrade')!
    expect(downgrade.reason).toBe(`installed the downgrade image: version ${BASELINE} → 0.9.0; the device reported installed`)
    const failed = viaPty.units.filter((u) => u.verdict === 'FAIL').map((u) => nameOf(u))
    expect(failed.sort()).toEqual(['5.3-1-2a', '5.3-2-2b downgrade', '5.3-4A-1a'])
    expect(viaPty.cli.code).toBe(1)
  })

  it('never checks for updates: nothing of 5.3-5 passes on its behalf', () => {
    expect(viaPty.groups['5.3-5'], why(viaPty)).not.toBe('PASS')
    expect(verdicts(viaPty, '5.3-5-1a')).toEqual({ '5.3-5-1a': 'INCONCLUSIVE' })
  })

  it('over TCP, as ser2net exports the console, the same campaign gives the same verdicts', () => {
    const campaign = (run: Run) => ({ ...verdicts(run, '5.3-2'), ...verdicts(run, '5.3-9') })
    expect(campaign(viaTcp), why(viaTcp)).toEqual(campaign(viaPty))
    expect(verdicts(viaTcp, '5.3-2-2b')['5.3-2-2b downgrade']).toBe('FAIL')
  })
})
