import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701Async, withShortWaits, type CliResult } from './helpers.ts'

interface Finished extends CliResult {
  results: RunResults
}

async function run(profile: string, out: string, env: Record<string, string>, groups: string[]): Promise<Finished> {
  const r = await ts701Async(
    ['run', '--assessment', EXAMPLE, '--dut', profile, '--out', out, ...groups.flatMap((g) => ['--group', g])],
    env,
  )
  return { ...r, results: JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults }
}

const units = (r: RunResults) => r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))

async function waitForLine(file: string, pattern: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const text = await readFile(file, 'utf8').catch(() => '')
    if (pattern.test(text)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${pattern} did not appear in ${file}`)
}

/** A device whose API listens but then never answers, or answers with something not HTTP. */
async function badDevice(kind: 'silent' | 'garbage'): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => {
    socket.on('error', () => {})
    if (kind === 'garbage') socket.once('data', () => socket.end('\u0007\u0000NOT HTTP AT ALL\r\n\r\n'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return { server, url: `http://127.0.0.1:${address.port}` }
}

let setup: ReferenceSetup | undefined
let device: Server | undefined

afterEach(async () => {
  await setup?.close()
  device?.close()
  setup = undefined
  device = undefined
})

describe('a DUT that stops answering', () => {
  it('leaves the rest of the run INCONCLUSIVE with the reason, and the report is still written', async () => {
    const dir = await tempDir('sim')
    setup = await createReferenceSetup({ dir })
    const out = await tempDir('out')
    // Gone for good: a few seconds show that every later unit gives up with its reason.
    const profile = await withShortWaits(setup.profileFile, 3_000)
    const done = run(profile, out, setup.env, ['5.3-2', '5.3-16'])
    // Pull the plug once the attack campaign has begun.
    await waitForLine(join(out, 'evidence', 'exchanges.jsonl'), /offering manifest-byte/, 60_000)
    await setup.sim.close()
    const { code, results } = await done
    expect(code).toBe(2)
    const all = units(results)
    const open = all.filter((u) => u.verdict === 'INCONCLUSIVE')
    expect(open.length).toBeGreaterThan(3)
    for (const u of open) expect(u.reason, `${u.id} ${u.variant ?? ''}`).toMatch(/\S{3,}/)
    // Seen before the plug was pulled, but without a valid installation to compare with.
    expect(all.find((u) => u.id === '5.3-2-2b' && u.variant === 'payload-byte')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^rejected the payload-byte image.*could not be shown to install/),
    })
    expect(all.find((u) => u.id === '5.3-16-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/identify: .*127\.0\.0\.1/),
    })
    expect(all.some((u) => u.verdict === 'FAIL')).toBe(false)
  }, 180_000)
})

describe.each(['silent', 'garbage'] as const)('a DUT that is %s', (kind) => {
  it('gives INCONCLUSIVE units with the reason, never a crash or a hang', async () => {
    const dir = await tempDir('sim')
    setup = await createReferenceSetup({ dir })
    const bad = await badDevice(kind)
    device = bad.server
    const profile = await withShortWaits(setup.profileFile, 3_000, (doc) => {
      doc.setIn(['adapter', 'baseUrl'], bad.url)
      doc.setIn(['adapter', 'timeouts', 'defaultMs'], 500)
    })
    const out = await tempDir('out')
    const started = Date.now()
    const { code, results, stderr } = await run(profile, out, setup.env, ['5.3-16', '5.3-4B'])
    expect(code).toBe(2)
    expect(stderr).not.toMatch(/\n\s+at /)
    const functional = units(results).filter((u) => u.source !== 'rule' && u.source !== 'assessor')
    expect(functional.length).toBeGreaterThan(0)
    for (const u of units(results).filter((x) => ['5.3-16-2a', '5.3-4B-2a'].includes(x.id))) {
      expect(u.verdict).toBe('INCONCLUSIVE')
      expect(u.reason).toMatch(kind === 'silent' ? /no answer|within 500 ms|timed? ?out/i : /malformed|not HTTP|protocol|lenient|parse/i)
    }
    expect(Date.now() - started).toBeLessThan(60_000)
  }, 120_000)
})
