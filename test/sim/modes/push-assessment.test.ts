import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { RunResults, UnitResult } from '../../../core/verdict.ts'
import { UPDATE_EVENTS_PATH } from '../../../sim/api-events.ts'
import { writePushProfile } from '../../../sim/modes/push.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../../sim/setup.ts'
import { tempDir, ts701Async, type CliResult } from '../../cli/helpers.ts'
import { EXAMPLE } from '../../helpers.ts'

interface Run {
  cli: CliResult
  units: UnitResult[]
  failed: string[]
  /** Evidence summaries by ID. */
  evidence: Map<string, string>
}

const nameOf = (u: UnitResult) => (u.variant ? `${u.id} ${u.variant}` : u.id)

async function assess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = await tempDir('modes-run')
  const cli = await ts701Async(['run', '--assessment', EXAMPLE, '--out', out, ...args], env)
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  const units = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const failed = [...new Set(units.filter((u) => u.verdict === 'FAIL').map(nameOf))].sort()
  const lines = (await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')).split('\n').filter(Boolean)
  const evidence = new Map(lines.map((l) => JSON.parse(l) as { id: string; summary: string }).map((e) => [e.id, e.summary]))
  return { cli, units, failed, evidence }
}

const unit = (run: Run, id: string) => run.units.find((u) => nameOf(u) === id)

/**
 * A few minutes of device days each: the two of a pair run side by side. Each run takes only the
 * groups its tests look at (installs and refusals, restarts). The jobs agent and the other modes
 * are assessed whole by the detection matrix (test/matrix/), which also looks at their evidence.
 */
const RUN_MS = 600_000

describe('the push-upload shape: an HTTP profile whose outcome comes over a WebSocket', () => {
  const setups: ReferenceSetup[] = []
  let conformant: Run
  let acceptUnsigned: Run
  let written: any

  /** The device in this process, the assessment in a child, as a lab runs it against its own device. */
  async function assessPush(flaws: string[], groups: string[] = []): Promise<Run> {
    const setup = await createReferenceSetup({ flaws })
    setups.push(setup)
    const file = await writePushProfile(setup.profileFile)
    written ??= parse(await readFile(file, 'utf8'))
    return assess(['--dut', file, ...groups.flatMap((g) => ['--group', g])], setup.env)
  }

  beforeAll(async () => {
    ;[conformant, acceptUnsigned] = await Promise.all([assessPush([], ['5.3-1', '5.3-2']), assessPush(['accept-unsigned'], ['5.3-1'])])
  }, RUN_MS)
  afterAll(async () => {
    for (const s of setups) await s.close()
  })

  it('writes the HTTP profile with read-outcome on the WebSocket stream', () => {
    expect(written.adapter.kind).toBe('http')
    expect(written.operations['read-outcome']).toEqual({
      mode: 'websocket',
      path: UPDATE_EVENTS_PATH,
      extract: { state: { pointer: '/state' }, version: { pointer: '/version' }, detail: { pointer: '/detail' } },
      states: { installed: ['installed'], rejected: ['rejected'], pending: ['pending-user'] },
      timeoutMs: 30_000,
    })
  })

  it('assesses the conformant device with no FAIL, its outcomes read from the stream', () => {
    const open = conformant.units.filter((u) => u.verdict !== 'PASS' && u.verdict !== 'NOT APPLICABLE')
    expect(open.map((u) => `${nameOf(u)} ${u.verdict}: ${u.reason}`)).toEqual([])
    expect(conformant.cli.code).toBe(0)
    const summaries = [...conformant.evidence.values()]
    expect(summaries.some((s) => /^WebSocket message on \/api\/update\/events: .*"state":"installed"/.test(s))).toBe(true)
    expect(summaries.some((s) => /^WebSocket message on \/api\/update\/events: .*"state":"rejected"/.test(s))).toBe(true)
    expect(summaries.some((s) => /GET \/api\/update\/status/.test(s))).toBe(false)
  })

  it('FAILs 5.3-1-2a when the device installs unsigned images (flaw accept-unsigned)', () => {
    expect(acceptUnsigned.failed).toContain('5.3-1-2a')
    expect(acceptUnsigned.cli.code).toBe(1)
    expect(unit(conformant, '5.3-1-2a')?.verdict).toBe('PASS')
  })
})
