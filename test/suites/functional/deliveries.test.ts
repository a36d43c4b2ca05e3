// One profile, two local update mechanisms, each driven by its own delivery: the reference DUT on
// its serial console takes a file as base64 lines (`update begin`, the default deliver-image) and
// a URL it fetches from the update-server emulator itself (`update url`, the named delivery
// `console-url`). The supplier's IXIT lists both mechanisms; a whole run of test group 5.3-2
// reaches the campaign verdicts of each, through its own way, for a conformant device and for one
// that installs unsigned images.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml'
import type { RunResults, UnitResult } from '../../../core/verdict.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../../sim/setup.ts'
import { exampleCopy, tempDir, ts701Async } from '../../cli/helpers.ts'

const UPLOAD = 'UpdMech-LocalUpload'
const CONSOLE_URL = 'UpdMech-ConsoleUrl'
/** The derived attacks and the images the reference profile prepares. */
const VARIANTS = [
  'payload-byte',
  'truncated',
  'signature-removed',
  'untrusted-key',
  'untrusted-key-same-id',
  'manifest-byte',
  'other-hardware',
  'downgrade',
]

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** The reference assessment, with a second local mechanism: the same image, handed over as a URL on the console. */
async function assessment(): Promise<string> {
  const dir = await exampleCopy({
    ixit: (doc) => {
      const mechs = doc.get('7-UpdMech')
      if (!isSeq(mechs)) throw new Error('7-UpdMech is not a list')
      const local = mechs.items.find((m) => isMap(m) && m.get('id') === UPLOAD) as YAMLMap | undefined
      if (!local) throw new Error(`${UPLOAD} is not in the example IXIT`)
      const copy = local.clone() as YAMLMap
      copy.set('id', CONSOLE_URL)
      copy.set(
        'description',
        'Service update on the maintenance console: the technician types "update url" with the address of the signed image on the local service server; the device downloads it and follows the same verification, trial boot and commit steps as UpdMech-Network.',
      )
      mechs.items.push(copy)
    },
  })
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The serial profile the setup wrote, with the URL delivery named by the second mechanism; the network mechanism is left undriven. */
async function profile(setup: ReferenceSetup): Promise<string> {
  const doc = parseDocument(await readFile(setup.profileFile, 'utf8'))
  doc.setIn(['operations', 'deliveries'], {
    'console-url': {
      mode: 'url',
      exchange: {
        send: 'update url {{image.url}} {{image.size}} {{image.sha256}}',
        expect: '^update: (?<accepted>accepted|rejected): (?<message>.*)$',
      },
    },
  })
  doc.set('mechanisms', { [UPLOAD]: { via: 'deliver-image' }, [CONSOLE_URL]: { via: 'deliver-image', delivery: 'console-url' } })
  const file = join(setup.dir, 'two-deliveries.yaml')
  await writeFile(file, doc.toString())
  return file
}

interface Run {
  code: number
  units: UnitResult[]
  evidence: string
}

async function run(flaws: string[]): Promise<Run> {
  const setup = await createReferenceSetup({ channel: 'serial', flaws })
  cleanups.push(() => setup.close())
  const out = await tempDir('deliveries-out')
  cleanups.push(() => rm(out, { recursive: true, force: true }))
  const r = await ts701Async(
    ['run', '--assessment', await assessment(), '--dut', await profile(setup), '--out', out, '--group', '5.3-2'],
    setup.env,
  )
  expect(r.stderr).not.toMatch(/\n\s+at /)
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  const evidence = await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')
  return { code: r.code, units: results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)), evidence }
}

const unit = (r: Run, id: string, target: string, variant?: string): UnitResult | undefined =>
  r.units.find((u) => u.id === id && u.target === target && u.variant === variant)

/** The campaign's verdicts on one mechanism, by image. */
const verdicts = (r: Run, target: string) =>
  Object.fromEntries(r.units.filter((u) => u.id === '5.3-2-2b' && u.target === target).map((u) => [u.variant, u.verdict]))

/** What the device typed back and fetched, per image, as the evidence shows it. */
const sent = (r: Run, pattern: RegExp) =>
  r.evidence
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { channel: string; summary: string })
    .filter((e) => pattern.test(e.summary))

// Side by side: each run has its own simulated device, console and output folder.
describe.concurrent('two local mechanisms of the reference DUT, each driven by its own delivery over the console', () => {
  it('a conformant device: every attack is rejected and the valid image installs, over both ways', async () => {
    const r = await run([])
    const all = (v: string) => Object.fromEntries([...VARIANTS, 'valid-image'].map((n) => [n, v]))
    expect(verdicts(r, UPLOAD)).toEqual(all('PASS'))
    expect(verdicts(r, CONSOLE_URL)).toEqual(all('PASS'))
    // The default delivery says nothing of itself; the named one says which it was.
    expect(unit(r, '5.3-2-2b', UPLOAD, 'valid-image')?.reason).toMatch(/^installed the valid image: version 1\.0\.0 → 1\.1\.0/)
    expect(unit(r, '5.3-2-2b', CONSOLE_URL, 'valid-image')?.reason).toMatch(
      /^installed the valid image \(delivery "console-url"\): version 1\.0\.0 → 1\.1\.0/,
    )
    expect(unit(r, '5.3-2-2a', CONSOLE_URL)?.reason).toMatch(/^8 attacks delivered with the delivery "console-url": /)
    expect(unit(r, '5.3-2-2a', UPLOAD)?.reason).toMatch(/^8 attacks delivered with the deliver-image operation: /)
    // Each way was used for its own mechanism: base64 transfers for one, URLs the device fetched from the emulator for the other.
    const harness = sent(r, /^deliver-image: .* with delivery "console-url" \(mode url\)$/)
    expect(harness).toHaveLength(VARIANTS.length + 1)
    expect(sent(r, /^deliver-image: sent .* as \d+ base64 lines/).length).toBe(VARIANTS.length + 1)
    expect(sent(r, /update url https:\/\/127\.0\.0\.1:\d+\//).length).toBeGreaterThanOrEqual(VARIANTS.length + 1)
    // The images handed over by URL were only served: the device's own update checks were not told of them.
    expect(sent(r, /^serving, not announcing, /)).toHaveLength(VARIANTS.length + 1)
    expect(sent(r, /^offering /)).toEqual([])
    expect(r.code).toBe(2) // UpdMech-Network is not driven by this profile: its units stay open
    expect(unit(r, '5.3-2-2b', 'UpdMech-Network', 'valid-image')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT profile does not say how to drive UpdMech-Network (add it under mechanisms)',
    })
  }, 300_000)

  it('a device that installs unsigned images FAILs the signature-removed attack over both ways', async () => {
    const r = await run(['accept-unsigned'])
    for (const target of [UPLOAD, CONSOLE_URL]) {
      expect(unit(r, '5.3-2-2b', target, 'signature-removed'), target).toMatchObject({
        verdict: 'FAIL',
        reason: expect.stringMatching(/^installed the signature-removed image.*: version 1\.0\.0 → 1\.1\.0/),
      })
      expect(unit(r, '5.3-2-2b', target, 'payload-byte')?.verdict, target).toBe('PASS')
    }
    expect(unit(r, '5.3-2-2b', CONSOLE_URL, 'signature-removed')?.reason).toMatch(
      /^installed the signature-removed image \(delivery "console-url"\)/,
    )
    expect(r.code).toBe(1)
  }, 300_000)
})
