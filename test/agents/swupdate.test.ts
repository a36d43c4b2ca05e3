// SWUpdate (Debian's 2022.12) as the DUT, two ways. Its web server takes an upload and tells the
// outcome on its WebSocket; its suricatta client polls ts701's emulator as a hawkBit server and
// reports feedback there. A lab probe reads the version and a lab reflash restores the baseline.
// The example assessments run against the agents as a lab would run them, and get the verdicts
// the agent's configuration deserves: with -N every attack refused, without it the downgrade
// installed; suricatta trusting only its vendor CA refuses every impostor server.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import { tempDir, ts701Async, ts701InProcess, type CliResult } from '../cli/helpers.ts'
import { BASELINE, startSuricatta, startSwupdate, type SwupdateAgent } from './swupdate.ts'

interface Run {
  cli: CliResult
  units: UnitResult[]
}

const nameOf = (u: UnitResult) => (u.variant ? `${u.id} ${u.variant}` : u.id)

async function assess(agent: SwupdateAgent, args: string[] = [], assessment = 'examples/swupdate-gateway'): Promise<Run> {
  const out = await tempDir('swupdate-run')
  const cli = await ts701Async(['run', '--assessment', assessment, '--dut', agent.profile, '--out', out, ...args])
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  return { cli, units: results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)) }
}

const verdicts = (run: Run, prefix: string) =>
  Object.fromEntries(run.units.filter((u) => u.id.startsWith(prefix)).map((u) => [nameOf(u), u.verdict]))

const ATTACKS = ['payload-byte', 'manifest-byte', 'signature-removed', 'untrusted-key', 'other-hardware', 'truncated', 'downgrade']

describe('SWUpdate web server as the DUT (examples/swupdate-gateway)', () => {
  let guarded: SwupdateAgent
  let open: SwupdateAgent
  let withMinimum: Run
  let withoutMinimum: Run

  beforeAll(async () => {
    ;[guarded, open] = await Promise.all([startSwupdate({ noDowngrade: BASELINE }), startSwupdate()])
    // One after the other: each is a CLI run with a vitest of its own, and the rest of the suite runs beside this file.
    withMinimum = await assess(guarded)
    withoutMinimum = await assess(open, ['--group', '5.3-2', '--group', '5.3-9'])
  }, 300_000)

  afterAll(async () => {
    await Promise.all([guarded?.stop(), open?.stop()])
  })

  it('with -N it refuses every attack and installs the genuine image: 5.3-2-2b and 5.3-9-2a/b/c PASS', () => {
    const why = withMinimum.units.map((u) => `${nameOf(u)} ${u.verdict}: ${u.reason}`).join('\n')
    expect(verdicts(withMinimum, '5.3-2-2b'), why).toEqual(
      Object.fromEntries([...ATTACKS, 'valid-image'].map((a) => [`5.3-2-2b ${a}`, 'PASS'])),
    )
    expect(verdicts(withMinimum, '5.3-9-2'), why).toEqual({ '5.3-9-2a': 'PASS', '5.3-9-2b': 'PASS', '5.3-9-2c': 'PASS' })
    const valid = withMinimum.units.find((u) => nameOf(u) === '5.3-2-2b valid-image')!
    expect(valid.reason).toBe(`installed the valid image: version ${BASELINE} → 1.1.0`)
    // Each refusal rests on the agent's own report on /ws and on the version the probe read.
    for (const a of ATTACKS) {
      const u = withMinimum.units.find((x) => nameOf(x) === `5.3-2-2b ${a}`)!
      expect(u.reason, a).toMatch(
        new RegExp(`^rejected the ${a} image: still at ${BASELINE.replaceAll('.', '\\.')}; the device reported rejected`),
      )
    }
  })

  it('with -N the only FAIL of the whole assessment is the missing automatic update mechanism (5.3-4A-1a)', () => {
    const failed = withMinimum.units.filter((u) => u.verdict === 'FAIL').map((u) => `${nameOf(u)}: ${u.reason}`)
    expect(failed).toEqual([expect.stringMatching(/^5\.3-4A-1a: .*without user interaction/)])
    expect(withMinimum.cli.code).toBe(1)
    // What the agent cannot tell (its model) stays open, never PASS.
    expect(verdicts(withMinimum, '5.3-16-2')).toEqual({ '5.3-16-2a': 'INCONCLUSIVE', '5.3-16-2b': 'INCONCLUSIVE' })
  })

  it('lint reads the version the images declare: one the profile misstates is a warning naming both', async () => {
    const clean = await ts701InProcess(['lint', 'examples/swupdate-gateway', '--dut', guarded.profile])
    expect(clean.stdout).toMatch(/: no errors$/)
    const misstated = join(guarded.dir, 'misstated.yaml')
    await writeFile(misstated, (await readFile(guarded.profile, 'utf8')).replace('version: 1.1.0', 'version: 1.2.0'))
    const warned = await ts701InProcess(['lint', 'examples/swupdate-gateway', '--dut', misstated])
    expect(warned.code).toBe(0)
    expect(warned.stderr).toMatch(
      /misstated\.yaml:\d+:\d+: warning: \/images\/valid\/version: the image itself says version "1\.1\.0" \(sw-description\), the profile "1\.2\.0"/,
    )
  })

  it('without -N it installs the older release: 5.3-2-2b downgrade FAILs, every other attack is refused', () => {
    const why = withoutMinimum.units.map((u) => `${nameOf(u)} ${u.verdict}: ${u.reason}`).join('\n')
    expect(verdicts(withoutMinimum, '5.3-2-2b'), why).toEqual({
      ...Object.fromEntries([...ATTACKS, 'valid-image'].map((a) => [`5.3-2-2b ${a}`, 'PASS'])),
      '5.3-2-2b downgrade': 'FAIL',
    })
    const downgrade = withoutMinimum.units.find((u) => nameOf(u) === '5.3-2-2b downgrade')!
    expect(downgrade.reason).toBe(`installed the downgrade image: version ${BASELINE} → 0.9.0; the device reported installed`)
    expect(verdicts(withoutMinimum, '5.3-9-2'), why).toEqual({ '5.3-9-2a': 'PASS', '5.3-9-2b': 'PASS', '5.3-9-2c': 'PASS' })
    expect(withoutMinimum.cli.code).toBe(1)
  })
})

describe('SWUpdate suricatta polling the emulator as its hawkBit server (examples/swupdate-hawkbit)', () => {
  let agent: SwupdateAgent
  let run: Run

  beforeAll(async () => {
    agent = await startSuricatta({ noDowngrade: BASELINE })
    run = await assess(agent, [], 'examples/swupdate-hawkbit')
  }, 300_000)

  afterAll(async () => {
    await agent?.stop()
  })

  const why = () => run.units.map((u) => `${nameOf(u)} ${u.verdict}: ${u.reason}`).join('\n')

  it('refuses every attack it downloads and installs the genuine image, reporting on its feedback resource', () => {
    expect(verdicts(run, '5.3-2-2b'), why()).toEqual(Object.fromEntries([...ATTACKS, 'valid-image'].map((a) => [`5.3-2-2b ${a}`, 'PASS'])))
    expect(verdicts(run, '5.3-9-2'), why()).toEqual({ '5.3-9-2a': 'PASS', '5.3-9-2b': 'PASS', '5.3-9-2c': 'PASS' })
    // Each refusal rests on its feedback (closed, failure) and on the version the probe read.
    for (const a of ATTACKS) {
      const u = run.units.find((x) => nameOf(x) === `5.3-2-2b ${a}`)!
      expect(u.reason, a).toMatch(
        new RegExp(`^rejected the ${a} image: still at ${BASELINE.replaceAll('.', '\\.')}; the device reported rejected \\(`),
      )
    }
  })

  it('trusting only its vendor CA, it refuses every impostor server and still reaches the genuine one', () => {
    expect(verdicts(run, '5.3-10-1d'), why()).toEqual({
      '5.3-10-1d expired': 'PASS',
      '5.3-10-1d untrusted-ca': 'PASS',
      '5.3-10-1d wrong-host': 'PASS',
    })
  })

  it('its polls are its update checks (5.3-5-1a), and the only FAIL is the consent it does not ask for (5.3-4B-1a)', () => {
    expect(verdicts(run, '5.3-5-1a'), why()).toEqual({ '5.3-5-1a': 'PASS' })
    const failed = run.units.filter((u) => u.verdict === 'FAIL').map((u) => `${nameOf(u)}: ${u.reason}`)
    expect(failed).toEqual([expect.stringMatching(/^5\.3-4B-1a: /)])
    expect(run.cli.code).toBe(1)
  })
})
