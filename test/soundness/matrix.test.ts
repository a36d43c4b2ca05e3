// The soundness matrix (issue 9): device behaviours that are odd, seen on real agents, and the
// verdicts the evidence supports for them. The detection matrix (test/matrix/) proves each flaw
// FAILs; this one proves that ts701 neither PASSes nor FAILs on what it did not observe. Each row
// drives the judges through a fake device (or the real emulator, real TLS, a real web server) and
// states the exact verdicts; its contrast row is the conformant or flawed behaviour in the same
// setup, so every row can fail both ways. README ("Soundness matrix") shows the same table; the
// last test keeps the two in step.
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, it, vi, type ExpectStatic } from 'vitest'
import { buildPlan } from '../../catalog/plan.ts'
import { loadEdition } from '../../catalog/editions.ts'
import { deriveAttacks, type ByteRange } from '../../fixtures/attacks.ts'
import { unusedDecisions } from '../../harness/run.ts'
import { composeGroups } from '../../harness/results.ts'
import { resultFrom, type SuiteOutcome } from '../../harness/suite-runner.ts'
import type { Decision } from '../../ixit/types.ts'
import { campaign, CONTROL } from '../../suites/lib/functional/campaign.ts'
import { evaluate, loadExample, unitsOf, variant } from '../helpers.ts'
import { FakeDut, operationsWithout, silentAfter, timeout, type SeenImage } from '../suites/functional/fake-dut.ts'
import { SilentRefusalLink } from '../suites/functional/tls-links.ts'
import {
  fakeSession,
  genuineTls,
  LOCAL,
  NETWORK,
  runUnit,
  type AttackSpec,
  type FakeSession,
  type FakeSessionOptions,
} from '../suites/functional/fake-session.ts'

// Every row waits on devices and sockets, not on the CPU.
vi.setConfig({ maxConcurrency: 20 })

type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE'

/** What one unit (or one campaign variant) came to. */
interface Judged {
  verdict: string
  reason: string
  evidence?: string[]
}

interface Expected {
  verdict: Verdict
  reason: RegExp
}

interface Row {
  behaviour: string
  /** The units the row reads, as README lists them. */
  units: string
  /** The verdicts, as README lists them. */
  verdict: string
  /** Why the evidence supports that verdict, as README lists it. */
  why: string
  /** Drives the behaviour; the labels of what it returns are the keys of `expected`. Extra checks go through `expect`. */
  run: (expect: ExpectStatic) => Promise<Record<string, Judged>>
  expected: Record<string, Expected>
  /** Runs on the real emulator, which fake-session.ts closes after every test: not beside other rows. */
  serial?: true
}

// --- shared setups ---------------------------------------------------------------------------

const variantUnit = (s: FakeSession, id: string, variant: string, target = NETWORK) => runUnit(s, id, { target, variant })
const mechanismUnit = (s: FakeSession, id: string, target = NETWORK) => runUnit(s, id, { target })

/** A device that verifies as the default does, and also installs the named images. */
function installing(...names: string[]): FakeDut {
  const dut = new FakeDut()
  const verify = dut.accepts
  dut.accepts = (image: SeenImage) => names.includes(image.name) || verify(image)
  return dut
}

const work = mkdtemp(join(tmpdir(), 'ts701-soundness-'))
afterAll(async () => rm(await work, { recursive: true, force: true }))

/** The byte flips the lab derives from the fake session's valid image, with or without declared signed ranges. */
async function rawFlips(signedRanges?: ByteRange[]): Promise<AttackSpec[]> {
  const { images } = await fakeSession()
  const dir = await mkdtemp(join(await work, 'flips-'))
  const derived = await deriveAttacks({ format: 'raw', valid: images.valid, workDir: dir, ...(signedRanges && { signedRanges }) })
  return derived.filter((a) => a.flip).map((a) => ({ name: a.name, kind: a.kind, flip: a.flip! }))
}

/** Lab-prepared images, with the kinds the profile gives them (none: `custom`), as the lab derives them. */
async function prepared(kind?: 'signature-removed' | 'untrusted-key'): Promise<AttackSpec[]> {
  const { images } = await fakeSession()
  const dir = await mkdtemp(join(await work, 'prepared-'))
  const derived = await deriveAttacks({
    format: 'raw',
    valid: images.valid,
    workDir: dir,
    prepared: [
      { name: 'lab-unsigned', description: 'Signature block removed by the lab.', path: images.valid.path, ...(kind && { kind }) },
      { name: 'lab-foreign-key', description: 'Signed by the lab with its own key.', path: images.valid.path, ...(kind && { kind }) },
    ],
  })
  return derived.filter((a) => a.name.startsWith('lab-')).map((a) => ({ name: a.name, kind: a.kind }))
}

/** The harness entry that counts what the device did with one impostor. */
const impostorCount = (s: FakeSession, variant: string) =>
  s.evidence.since(0).find((e) => e.channel === 'harness' && e.summary.startsWith(`impostor ${variant} `))

const withTls: FakeSessionOptions = { updateServer: { tls: true }, share: ['impostor-certificates'] }

async function silentRefusal(mode: 'hold' | 'drop', expect: ExpectStatic): Promise<Record<string, Judged>> {
  const s = await fakeSession({ ...withTls, emulator: 'real' })
  const link = new SilentRefusalLink(mode, async () => (await s.emulator()).url, (await genuineTls()).caPem, s.dut.link!)
  s.dut.link = link
  const r = await variantUnit(s, '5.3-10-1d', 'untrusted-ca')
  const count = impostorCount(s, 'untrusted-ca')
  // Counted per impostor: the device connected and finished TLS, and asked nothing.
  expect(count?.summary).toMatch(/: 1 connection\(s\), 1 TLS handshake\(s\) completed, 0 request\(s\)$/)
  expect(r.evidence).toContain(count!.id)
  expect(link.sockets).toHaveLength(1)
  return { '5.3-10-1d untrusted-ca': r }
}

const IXIT_ORIGIN = 'http://127.0.0.1:8701'
// Closed when the file ends, not after each test: the rows run concurrently.
const servers: Server[] = []
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** The vendor's support site on loopback, answering by path, and a session whose IXIT address maps to it. */
async function supportSite(pages: Record<string, { status: number; body?: string; location?: string }>): Promise<FakeSession> {
  const server = createServer((req, res) => {
    const page = pages[(req.url ?? '/').split('?')[0]!] ?? { status: 404, body: 'not found' }
    res.writeHead(page.status, { 'content-type': 'text/html', ...(page.location && { location: page.location }) })
    res.end(page.body ?? '')
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return fakeSession({ publications: [{ from: IXIT_ORIGIN, to: origin }] })
}

const SUPPORT = '<html><h1>Security updates for TS701-REF-1</h1><p>Security updates are provided until 31 December 2031.</p></html>'
const publicationUnit = (s: FakeSession, id: string) => runUnit(s, id, { target: 'UserInfo-1' })

/** 5.3-13-2a on each site, labelled. */
async function reachability(sites: Record<string, Parameters<typeof supportSite>[0]>): Promise<Record<string, Judged>> {
  const entries = await Promise.all(
    Object.entries(sites).map(async ([label, pages]) => [label, await publicationUnit(await supportSite(pages), '5.3-13-2a')] as const),
  )
  return Object.fromEntries(entries)
}

const decision = (over: Partial<Decision>): Decision => ({
  unit: '5.3-7-1c',
  target: 'UpdMech-Network',
  verdict: 'FAIL',
  rationale: 'the assessor reads the mechanism differently',
  assessor: 'J. Tester',
  date: '2026-11-25',
  source: { file: 'decisions.yaml', line: 3, column: 5 },
  ...over,
})

// --- the matrix ------------------------------------------------------------------------------

const NEVER_FETCHED = /^the device never fetched the valid image \(it never contacted the update server after the offer\)$/
const OFF_BASELINE = /^the baseline could not be restored \(device on 1\.1\.0, baseline 1\.0\.0\)/
const NOT_COVERED = /byte \d+ of a raw image is not known to be covered by the signature/

export const ROWS: Row[] = [
  {
    behaviour: 'never fetches the offered image (a client in retry back-off)',
    units: '5.3-2-2b valid-image, 5.3-1-2a, 5.3-2-2b per attack',
    verdict: 'INCONCLUSIVE',
    why: 'the positive control proves nothing when the image never reached the device; rejections without it prove nothing either',
    run: async () => {
      const s = await fakeSession({ observationSeconds: 0.05 })
      // It checks for every attack, then backs off: the valid image, offered last, is never asked for.
      s.dut.fault = (op, d) => {
        if (op === 'check-now' && d.received.some((i) => i.name === 'wrong-hardware')) d.contactsServer = false
        return undefined
      }
      await campaign(s, NETWORK)
      return {
        '5.3-2-2b valid-image': await variantUnit(s, '5.3-2-2b', CONTROL),
        '5.3-2-2b payload-byte': await variantUnit(s, '5.3-2-2b', 'payload-byte'),
        '5.3-1-2a': await mechanismUnit(s, '5.3-1-2a'),
      }
    },
    expected: {
      '5.3-2-2b valid-image': { verdict: 'INCONCLUSIVE', reason: NEVER_FETCHED },
      '5.3-2-2b payload-byte': { verdict: 'INCONCLUSIVE', reason: /proves nothing$/ },
      '5.3-1-2a': { verdict: 'INCONCLUSIVE', reason: /proves nothing/ },
    },
  },
  {
    behaviour: 'contrast: fetches and installs the valid image, rejects every attack',
    units: '5.3-2-2b valid-image, 5.3-1-2a, 5.3-2-2b per attack',
    verdict: 'PASS',
    why: 'the control installed, so each rejection is a real one',
    run: async () => {
      const s = await fakeSession()
      return {
        '5.3-2-2b valid-image': await variantUnit(s, '5.3-2-2b', CONTROL),
        '5.3-2-2b payload-byte': await variantUnit(s, '5.3-2-2b', 'payload-byte'),
        '5.3-1-2a': await mechanismUnit(s, '5.3-1-2a'),
      }
    },
    expected: {
      '5.3-2-2b valid-image': { verdict: 'PASS', reason: /^installed the valid image: version 1\.0\.0 → 1\.1\.0$/ },
      '5.3-2-2b payload-byte': { verdict: 'PASS', reason: /^rejected the payload-byte image: still at 1\.0\.0/ },
      '5.3-1-2a': { verdict: 'PASS', reason: /^rejected / },
    },
  },
  {
    behaviour: 'fetches an attack image, then stops answering',
    units: '5.3-2-2b manifest-byte, 5.3-9-2c, 5.3-2-2b valid-image',
    verdict: 'INCONCLUSIVE',
    why: 'the attack is not PASSed: the device stopped answering after it; what came after was not attempted',
    run: async () => {
      const s = await fakeSession()
      s.dut.fault = (op, d) => (op === 'identify' && d.received.some((i) => i.name === 'manifest-byte') ? timeout('identify') : undefined)
      return {
        '5.3-2-2b manifest-byte': await variantUnit(s, '5.3-2-2b', 'manifest-byte'),
        '5.3-9-2c': await mechanismUnit(s, '5.3-9-2c'),
        '5.3-2-2b valid-image': await variantUnit(s, '5.3-2-2b', CONTROL),
      }
    },
    expected: {
      '5.3-2-2b manifest-byte': {
        verdict: 'INCONCLUSIVE',
        reason: /^the DUT stopped answering after the manifest-byte image was delivered$/,
      },
      '5.3-9-2c': { verdict: 'INCONCLUSIVE', reason: /manifest-byte: the DUT stopped answering after the manifest-byte image/ },
      '5.3-2-2b valid-image': {
        verdict: 'INCONCLUSIVE',
        reason: /^not attempted: the DUT stopped answering during the manifest-byte attempt$/,
      },
    },
  },
  {
    behaviour: 'contrast: fetches the attack image, rejects it and keeps answering',
    units: '5.3-2-2b manifest-byte, 5.3-9-2c',
    verdict: 'PASS',
    why: 'rejected, and the device answered afterwards',
    run: async () => {
      const s = await fakeSession()
      return {
        '5.3-2-2b manifest-byte': await variantUnit(s, '5.3-2-2b', 'manifest-byte'),
        '5.3-9-2c': await mechanismUnit(s, '5.3-9-2c'),
      }
    },
    expected: {
      '5.3-2-2b manifest-byte': { verdict: 'PASS', reason: /^rejected the manifest-byte image: .*the DUT kept answering$/ },
      '5.3-9-2c': { verdict: 'PASS', reason: /^rejected .*manifest-byte/ },
    },
  },
  {
    behaviour: 'TLS 1.3 client completes the handshake with an impostor, sends no alert and no request, holds the socket open',
    units: '5.3-10-1d untrusted-ca',
    verdict: 'PASS',
    why: 'a refusal: connected, completed TLS, never asked; the evidence counts 1 connection, 1 handshake, 0 requests',
    run: (expect) => silentRefusal('hold', expect),
    serial: true,
    expected: {
      '5.3-10-1d untrusted-ca': {
        verdict: 'PASS',
        reason:
          /^refused the impostor server: completed the TLS handshake and sent no request in \d+ ms; closed at the certificate swap; nothing was fetched$/,
      },
    },
  },
  {
    behaviour: 'TLS 1.3 client completes the handshake with an impostor, then closes without an alert or a request',
    units: '5.3-10-1d untrusted-ca',
    verdict: 'PASS',
    why: 'a refusal, never "no connection attempt"; the evidence counts 1 connection, 1 handshake, 0 requests',
    run: (expect) => silentRefusal('drop', expect),
    serial: true,
    expected: {
      '5.3-10-1d untrusted-ca': {
        verdict: 'PASS',
        reason:
          /^refused the impostor server: the client closed the connection right after the TLS handshake, before sending any request; nothing was fetched$/,
      },
    },
  },
  {
    behaviour: 'contrast: a TLS client that skips verification asks the impostor',
    units: '5.3-10-1d untrusted-ca',
    verdict: 'FAIL',
    why: 'a request on a connection accepted under the impostor certificate',
    serial: true,
    run: async () => {
      const s = await fakeSession({ ...withTls, emulator: 'real' })
      s.dut.trustsAnyCertificate = true
      return { '5.3-10-1d untrusted-ca': await variantUnit(s, '5.3-10-1d', 'untrusted-ca') }
    },
    expected: {
      '5.3-10-1d untrusted-ca': {
        verdict: 'FAIL',
        reason:
          /^installed an image from an impostor server .* on connections accepted under the impostor's certificate sha256:[0-9a-f]{64}$/,
      },
    },
  },
  {
    behaviour: 'refuses an impostor certificate, then stops answering',
    units: '5.3-10-1d expired',
    verdict: 'INCONCLUSIVE',
    why: 'not PASS: the reason says the device stopped answering after the experiment',
    run: async () => {
      const s = await fakeSession(withTls)
      silentAfter(s.dut, 'check-now')
      return { '5.3-10-1d expired': await variantUnit(s, '5.3-10-1d', 'expired') }
    },
    expected: {
      '5.3-10-1d expired': {
        verdict: 'INCONCLUSIVE',
        reason: /^the device stopped answering after refusing the impostor \(expired\): the DUT did not answer identify/,
      },
    },
  },
  {
    behaviour: 'contrast: refuses the impostor and keeps answering',
    units: '5.3-10-1d expired',
    verdict: 'PASS',
    why: 'refused, answered afterwards, and reached the genuine server',
    run: async () => ({ '5.3-10-1d expired': await variantUnit(await fakeSession(withTls), '5.3-10-1d', 'expired') }),
    expected: {
      '5.3-10-1d expired': { verdict: 'PASS', reason: /^refused the impostor server: certificate verify failed; nothing was fetched$/ },
    },
  },
  {
    behaviour: 'installs a byte flip of a raw image, no signed ranges declared',
    units: '5.3-2-2b raw-byte-middle, 5.3-1-2a, 5.3-9-2a',
    verdict: 'INCONCLUSIVE',
    why: 'the byte may be unsigned padding or header: the reason names the offset, never FAIL',
    run: async () => {
      const s = await fakeSession({ dut: installing('raw-byte-middle'), attacks: await rawFlips() })
      return {
        '5.3-2-2b raw-byte-middle': await variantUnit(s, '5.3-2-2b', 'raw-byte-middle'),
        '5.3-1-2a': await mechanismUnit(s, '5.3-1-2a'),
        '5.3-9-2a': await mechanismUnit(s, '5.3-9-2a'),
      }
    },
    expected: {
      '5.3-2-2b raw-byte-middle': {
        verdict: 'INCONCLUSIVE',
        reason: /^installed the raw-byte-middle image: .*byte 128 of a raw image is not known/,
      },
      '5.3-1-2a': { verdict: 'INCONCLUSIVE', reason: NOT_COVERED },
      '5.3-9-2a': { verdict: 'INCONCLUSIVE', reason: NOT_COVERED },
    },
  },
  {
    behaviour: 'contrast: installs a byte flip inside a declared signed range',
    units: '5.3-2-2b raw-byte-middle, 5.3-1-2a, 5.3-9-2a',
    verdict: 'FAIL',
    why: 'the lab declared the byte signed: installing it is a flaw; with ranges declared every flip lies in them',
    run: async (expect) => {
      const flips = await rawFlips([{ offset: 16, length: 200 }])
      // No flip lands outside the declared bytes: the undeclared case above is the only open one.
      for (const { flip } of flips)
        expect(flip).toMatchObject({ signed: true, offset: expect.toSatisfy((o: number) => o >= 16 && o < 216) })
      const s = await fakeSession({ dut: installing('raw-byte-middle'), attacks: flips })
      return {
        '5.3-2-2b raw-byte-middle': await variantUnit(s, '5.3-2-2b', 'raw-byte-middle'),
        '5.3-1-2a': await mechanismUnit(s, '5.3-1-2a'),
        '5.3-9-2a': await mechanismUnit(s, '5.3-9-2a'),
      }
    },
    expected: {
      '5.3-2-2b raw-byte-middle': {
        verdict: 'FAIL',
        reason: /^installed the raw-byte-middle image: version 1\.0\.0 → 1\.1\.0(?!.*not known)/,
      },
      '5.3-1-2a': { verdict: 'FAIL', reason: /raw-byte-middle/ },
      '5.3-9-2a': { verdict: 'FAIL', reason: /raw-byte-middle/ },
    },
  },
  {
    behaviour: 'contrast: rejects every byte flip, ranges declared or not',
    units: '5.3-9-2a',
    verdict: 'PASS',
    why: 'rejecting a flip is right wherever it lies',
    run: async () => ({
      'without ranges': await mechanismUnit(await fakeSession({ attacks: await rawFlips() }), '5.3-9-2a'),
      'with ranges': await mechanismUnit(await fakeSession({ attacks: await rawFlips([{ offset: 16, length: 200 }]) }), '5.3-9-2a'),
    }),
    expected: {
      'without ranges': { verdict: 'PASS', reason: /^rejected raw-byte-start, raw-byte-middle, raw-byte-end$/ },
      'with ranges': { verdict: 'PASS', reason: /^rejected raw-byte-start, raw-byte-middle, raw-byte-end$/ },
    },
  },
  {
    behaviour: 'support page answers only 302 (no target, a loop, or an endless chain)',
    units: '5.3-13-2a',
    verdict: 'INCONCLUSIVE',
    why: 'not reachable until a page is read; redirects are followed at most 5 times',
    run: () => {
      const chain: Parameters<typeof supportSite>[0] = { '/support': { status: 302, location: '/r1' } }
      for (let i = 1; i <= 6; i++) chain[`/r${i}`] = { status: 302, location: `/r${i + 1}` }
      return reachability({
        'no target': { '/support': { status: 302 } },
        loop: { '/support': { status: 302, location: '/a' }, '/a': { status: 302, location: '/support' } },
        chain,
      })
    },
    expected: {
      'no target': { verdict: 'INCONCLUSIVE', reason: /answered 302 without saying where to; no page was read$/ },
      loop: { verdict: 'INCONCLUSIVE', reason: /: the redirects loop \(.*\); no page was read$/ },
      chain: { verdict: 'INCONCLUSIVE', reason: /: more than 5 redirects \(/ },
    },
  },
  {
    behaviour: 'contrast: support page redirects once to the page, or is missing',
    units: '5.3-13-2a',
    verdict: 'PASS / FAIL',
    why: 'a page was read; a 404 at the end of the redirect is a missing publication',
    run: () =>
      reachability({
        redirected: { '/support': { status: 302, location: '/support/en' }, '/support/en': { status: 200, body: SUPPORT } },
        missing: { '/support': { status: 302, location: '/gone' } },
      }),
    expected: {
      redirected: { verdict: 'PASS', reason: /\/support answered 200 after 1 redirect \(.*\/support → .*\/support\/en\)$/ },
      missing: { verdict: 'FAIL', reason: /answered 404 after 1 redirect .*: the publication is not where the IXIT says$/ },
    },
  },
  {
    behaviour: 'support page of 3 MB (beyond the 2 MB read limit)',
    units: '5.3-13-2c, 5.3-14-2c',
    verdict: 'INCONCLUSIVE',
    why: '"page larger than the limit"; the cut is recorded in the evidence; never FAIL',
    run: async (expect) => {
      // The period is in the part read; whatever follows the cut was never seen.
      const s = await supportSite({ '/support': { status: 200, body: SUPPORT + `<p>${'x'.repeat(3 * 1024 * 1024)}</p>` } })
      const mark = s.evidence.mark()
      const period = await publicationUnit(s, '5.3-13-2c')
      const cut = s.evidence.since(mark).find((e) => e.channel === 'web')
      expect(cut?.detail).toMatchObject({ truncated: true, limitBytes: 2 * 1024 * 1024 })
      expect(period.evidence).toContain(cut!.id)
      return { '5.3-13-2c': period, '5.3-14-2c': await publicationUnit(s, '5.3-14-2c') }
    },
    expected: {
      '5.3-13-2c': { verdict: 'INCONCLUSIVE', reason: /^page larger than the limit: .* was cut after the first 2097152 bytes/ },
      '5.3-14-2c': { verdict: 'INCONCLUSIVE', reason: /larger than the limit/ },
    },
  },
  {
    behaviour: 'contrast: support page within the limit, with and without the period',
    units: '5.3-13-2c',
    verdict: 'PASS / FAIL',
    why: 'the whole page was read',
    run: async () => ({
      stated: await publicationUnit(await supportSite({ '/support': { status: 200, body: SUPPORT } }), '5.3-13-2c'),
      missing: await publicationUnit(await supportSite({ '/support': { status: 200, body: '<p>Thank you for buying.</p>' } }), '5.3-13-2c'),
    }),
    expected: {
      stated: { verdict: 'PASS', reason: /31 December 2031/ },
      missing: { verdict: 'FAIL', reason: /does not state the support period/ },
    },
  },
  {
    behaviour: 'the vitest worker running the suites crashed',
    units: 'every planned unit',
    verdict: 'INCONCLUSIVE',
    why: 'the reason names the crashed worker; no "the rule decided" warning for units nobody decided',
    run: async (expect) => {
      // What suite-runner.ts collects when a worker dies: no result, one error outside any test.
      // Killing a real worker would need a vitest run of a suite file; the outcome is where it shows.
      const crashed: SuiteOutcome = {
        results: new Map(),
        broken: new Map(),
        brokenGroups: new Map(),
        runError: 'Worker exited unexpectedly',
      }
      const a = variant(await loadExample(), (copy) => {
        copy.decisions = [decision({})]
      })
      const plan = buildPlan(loadEdition(), a)
      const groups = composeGroups(plan, (p) => resultFrom(crashed, p))
      const all = groups.flatMap((g) => g.cases.flatMap((c) => c.units))
      expect(all.length).toBeGreaterThan(50)
      expect(new Set(all.map((u) => `${u.verdict} ${u.source} ${u.reason}`))).toEqual(
        new Set(['INCONCLUSIVE harness no verdict: the unit did not run: the test worker failed (Worker exited unexpectedly)']),
      )
      expect(unusedDecisions(a, groups)).toEqual([])
      return { '5.3-7-1c UpdMech-Network': unitsOf(groups, '5.3-7-1c').find((u) => u.target === 'UpdMech-Network')! }
    },
    expected: {
      '5.3-7-1c UpdMech-Network': {
        verdict: 'INCONCLUSIVE',
        reason: /^no verdict: the unit did not run: the test worker failed \(Worker exited unexpectedly\)$/,
      },
    },
  },
  {
    behaviour: 'contrast: the worker ran and the rule decided against a decision',
    units: '5.3-7-1c UpdMech-Network',
    verdict: 'PASS',
    why: 'the rule decided, and the unused decision is reported',
    run: async (expect) => {
      const a = variant(await loadExample(), (copy) => {
        copy.decisions = [decision({})]
      })
      const groups = evaluate(a)
      expect(unusedDecisions(a, groups)).toEqual([
        expect.objectContaining({ code: 'decision-not-applied', message: expect.stringContaining('the rule decided PASS') }),
      ])
      return { '5.3-7-1c UpdMech-Network': unitsOf(groups, '5.3-7-1c').find((u) => u.target === 'UpdMech-Network')! }
    },
    expected: {
      '5.3-7-1c UpdMech-Network': { verdict: 'PASS', reason: /./ },
    },
  },
  {
    behaviour: 'settings experiments after the campaign left the device on the new version (no restore)',
    units: '5.3-6A-2a enable / disable / postpone, 5.3-6B-2a disable',
    verdict: 'INCONCLUSIVE',
    why: 'every experiment starts from the baseline, or says the baseline could not be restored',
    run: async (expect) => {
      const s = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('restore') }) })
      await campaign(s, LOCAL)
      expect(s.dut.version).toBe('1.1.0')
      return {
        '5.3-6A-2a enable': await variantUnit(s, '5.3-6A-2a', 'enable'),
        '5.3-6A-2a disable': await variantUnit(s, '5.3-6A-2a', 'disable'),
        '5.3-6A-2a postpone': await variantUnit(s, '5.3-6A-2a', 'postpone'),
        '5.3-6B-2a disable': await variantUnit(s, '5.3-6B-2a', 'disable'),
      }
    },
    expected: {
      '5.3-6A-2a enable': { verdict: 'INCONCLUSIVE', reason: OFF_BASELINE },
      '5.3-6A-2a disable': { verdict: 'INCONCLUSIVE', reason: OFF_BASELINE },
      '5.3-6A-2a postpone': { verdict: 'INCONCLUSIVE', reason: OFF_BASELINE },
      '5.3-6B-2a disable': { verdict: 'INCONCLUSIVE', reason: OFF_BASELINE },
    },
  },
  {
    behaviour: 'contrast: settings experiments after the campaign on a device that can be restored',
    units: '5.3-6A-2a enable / disable',
    verdict: 'PASS',
    why: 'the campaign put the baseline back; each experiment is judged from it',
    run: async (expect) => {
      const s = await fakeSession()
      await campaign(s, LOCAL)
      expect(s.dut.version).toBe('1.0.0')
      const [enable, disable] = await Promise.all([variantUnit(s, '5.3-6A-2a', 'enable'), variantUnit(s, '5.3-6A-2a', 'disable')])
      return { '5.3-6A-2a enable': enable, '5.3-6A-2a disable': disable }
    },
    expected: {
      '5.3-6A-2a enable': { verdict: 'PASS', reason: /installed 1\.1\.0/ },
      '5.3-6A-2a disable': { verdict: 'PASS', reason: /^with automatic updates disabled the DUT stayed at 1\.0\.0/ },
    },
  },
  {
    behaviour: 'rejects lab-prepared unsigned and foreign-key images declared with their kind',
    units: '5.3-9-2b',
    verdict: 'PASS',
    why: 'a prepared attack with a kind counts for the unit of that kind',
    run: async () => ({
      '5.3-9-2b signature-removed': await mechanismUnit(await fakeSession({ attacks: await prepared('signature-removed') }), '5.3-9-2b'),
      '5.3-9-2b untrusted-key': await mechanismUnit(await fakeSession({ attacks: await prepared('untrusted-key') }), '5.3-9-2b'),
    }),
    expected: {
      '5.3-9-2b signature-removed': { verdict: 'PASS', reason: /^rejected lab-unsigned, lab-foreign-key$/ },
      '5.3-9-2b untrusted-key': { verdict: 'PASS', reason: /^rejected lab-unsigned, lab-foreign-key$/ },
    },
  },
  {
    behaviour: 'contrast: installs a prepared foreign-key image, or the prepared images have no kind',
    units: '5.3-9-2b, 5.3-9-2c',
    verdict: 'FAIL; without a kind: INCONCLUSIVE (2b), PASS (2c)',
    why: 'the installed image FAILs its kind; without a kind the images count only as custom attacks, for 5.3-9-2c',
    run: async () => {
      const flawed = await fakeSession({ dut: installing('lab-foreign-key'), attacks: await prepared('untrusted-key') })
      const untyped = await fakeSession({ attacks: await prepared() })
      return {
        '5.3-9-2b installed': await mechanismUnit(flawed, '5.3-9-2b'),
        '5.3-9-2b no kind': await mechanismUnit(untyped, '5.3-9-2b'),
        '5.3-9-2c no kind': await mechanismUnit(untyped, '5.3-9-2c'),
      }
    },
    expected: {
      '5.3-9-2b installed': { verdict: 'FAIL', reason: /^installed the lab-foreign-key image/ },
      '5.3-9-2b no kind': { verdict: 'INCONCLUSIVE', reason: /^no attack image of this kind could be prepared for the DUT$/ },
      '5.3-9-2c no kind': { verdict: 'PASS', reason: /^rejected lab-unsigned, lab-foreign-key$/ },
    },
  },
]

async function judgeRow(row: Row, expect: ExpectStatic): Promise<void> {
  const got = await row.run(expect)
  expect(Object.keys(got).sort()).toEqual(Object.keys(row.expected).sort())
  for (const [label, want] of Object.entries(row.expected)) {
    expect(got[label]!.verdict, `${label}: ${got[label]!.reason}`).toBe(want.verdict)
    expect(got[label]!.reason, label).toMatch(want.reason)
  }
}

describe.concurrent('soundness matrix', () => {
  it.for(ROWS.filter((r) => !r.serial))('$behaviour → $verdict', (row, { expect }) => judgeRow(row, expect))
})

describe('soundness matrix (real emulator, real TLS)', () => {
  it.for(ROWS.filter((r) => r.serial))('$behaviour → $verdict', (row, { expect }) => judgeRow(row, expect))
})

describe('README', () => {
  it('shows the soundness matrix as the rows above state it', async ({ expect }) => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const section = readme.split('#### Soundness matrix')[1]?.split(/\n#/)[0] ?? ''
    const table = section
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| behaviour |'))
      .map((l) =>
        l
          .slice(2, -2)
          .split(' | ')
          .map((c) => c.trim()),
      )
    expect(table).toEqual(ROWS.map((r) => [r.behaviour, r.units, r.verdict, r.why]))
  })
})
