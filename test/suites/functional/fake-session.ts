/**
 * The one place the judges' unit tests build a `Session` (harness/session.ts, re-exported by
 * suites/lib/functional/session.ts): a fake device, a DUT profile made to match it, the images,
 * and the update server (fake by default, the real emulator on request). When the Session object
 * changes, only this file follows.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Applicability } from '../../../catalog/applicability.ts'
import { loadEdition } from '../../../catalog/editions.ts'
import type { PlannedUnit } from '../../../catalog/plan.ts'
import type { UnitDef } from '../../../catalog/types.ts'
import type { Operation } from '../../../core/dut.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import type { UnitResult } from '../../../core/verdict.ts'
import { UpdateServerEmulator, type OfferedImage } from '../../../emulator/index.ts'
import { createCa, issueServerCert } from '../../../fixtures/certs.ts'
import { hashFile } from '../../../fixtures/hash.ts'
import { findEntry } from '../../../harness/evaluate.ts'
import { actAndWait, benchSupports, benchActionBy, readBaseline } from '../../../harness/session.ts'
import { Observer } from '../../../harness/observe/index.ts'
import { indexChecks, runFunctionalUnit, type FunctionalCheck, type FunctionalInput, type LabPayload } from '../../../harness/functional.ts'
import { loadAssessment } from '../../../ixit/load.ts'
import type { Assessment } from '../../../ixit/types.ts'
import type {
  BenchSection,
  ChannelOperationMap,
  DutProfile,
  EmulatorRoute,
  MechanismDrive,
  ObserveSection,
} from '../../../profile/types.ts'
import type { Session } from '../../../suites/lib/functional/session.ts'
import { FakeDut, FakeServerLink, FakeUpdateServer, HttpServerLink } from './fake-dut.ts'
import { afterEachFile, beforeEachTest, afterEachTest } from '../../hooks.ts'

export const V2 = 'en303645-v2.1.1'
export const V3 = 'en303645-v3.1.3'
export const NETWORK = 'UpdMech-Network'
export const LOCAL = 'UpdMech-LocalUpload'

export interface FakeSession extends Session {
  dut: FakeDut
  /** The fake update server (unused with `emulator: 'real'`, where `emulator()` is the real one). */
  server: FakeUpdateServer
  images: { valid: OfferedImage; older?: OfferedImage }
}

export interface AttackSpec {
  name: string
  /** The attack family (fixtures/attacks.ts AttackKind); `downgrade` is the genuine older image. */
  kind: string
  /** A raw byte flip: its offset and whether it lies in a declared signed range. */
  flip?: { offset: number; signed: boolean }
  /** A detached update whose change lies in this part (a payload beside an intact manifest). */
  tamperedPart?: string
}

/** One of each family the campaign meets, as the lab derives them for a ts701-format image. */
export const DEFAULT_ATTACKS: readonly AttackSpec[] = [
  { name: 'payload-byte', kind: 'bit-flip' },
  { name: 'manifest-byte', kind: 'manifest' },
  { name: 'signature-removed', kind: 'signature' },
  { name: 'untrusted-key', kind: 'signature' },
  { name: 'truncated', kind: 'truncation' },
  { name: 'wrong-hardware', kind: 'hardware' },
  { name: 'downgrade', kind: 'downgrade' },
]

const DEFAULT_MECHANISMS: Record<string, MechanismDrive['via']> = { [NETWORK]: 'update-server', [LOCAL]: 'deliver-image' }

export interface FakeSessionOptions {
  dut?: FakeDut
  /** Mechanism → how the profile drives it. Default: the reference DUT's two. */
  mechanisms?: Record<string, MechanismDrive['via']>
  /** Device seconds per real second. Default 1. */
  timeScale?: number
  /** The 5.3-5 observation window and the wait for a device's own check, real seconds. Default 0.2. */
  observationSeconds?: number
  /** read-outcome `timeoutMs` (how long the judges wait for downloads and installations). Default 200. */
  outcomeTimeoutMs?: number
  /** reboot / factory-reset / restore `readyTimeoutMs` (how long a device may stay silent). Default 300. */
  readyTimeoutMs?: number
  deliverMode?: 'raw' | 'multipart' | 'url'
  /**
   * The update server: `false` for none; `tls` gives it a certificate from a CA (with the CA's
   * files unless `'without-ca'`). Default: plain HTTP.
   */
  updateServer?: false | { tls?: boolean | 'without-ca'; pollInterval?: string }
  /** `real` starts the real UpdateServerEmulator on 127.0.0.1 (ephemeral port) on first use. */
  emulator?: 'fake' | 'real'
  attacks?: readonly AttackSpec[]
  /** Whether the profile gives an older genuine image. Default true. */
  older?: boolean
  /** Whether the profile gives the baseline's genuine image (the previous-version attack). Default false. */
  previous?: boolean
  /** With `previous`: also the replay of the valid image once it is installed (the same-version attack), as derivation adds it. */
  sameVersion?: boolean
  publications?: Array<{ from: string; to: string }>
  /** `once` keys whose results all sessions of this test file share (expensive fixtures such as certificates). */
  share?: string[]
  /** The profile's `bench` section: actions done by lab commands or an operator instead of the device. */
  bench?: BenchSection
  /** Where manual bench steps ask the operator (a pseudo-terminal in tests). Default /dev/tty. */
  terminal?: string
  /** The profile's `observe` section: where version, outcome, checks and liveness are read instead of the operations. */
  observe?: ObserveSection
  /** Emulator routes after the default ones (e.g. where the device reports its status). */
  routes?: EmulatorRoute[]
}

// --- files: images and TLS material, made once per test file ---------------------------------

let dir: Promise<string> | undefined
const workDir = () => (dir ??= mkdtemp(join(tmpdir(), 'ts701-judges-')))
let fileSeq = 0

afterEachFile(async () => {
  const made = dir
  // The next file makes its own: these modules outlive a test file (test/hooks.ts).
  dir = genuineImages = tlsFiles = undefined
  shared.clear()
  if (made) await rm(await made, { recursive: true, force: true })
})

async function writeImage(name: string): Promise<{ path: string; size: number; sha256: string }> {
  const path = join(await workDir(), `${++fileSeq}-${name}.img`)
  await writeFile(path, randomBytes(256))
  const { size, sha256 } = await hashFile(path)
  return { path, size, sha256 }
}

let genuineImages: Promise<{ valid: string; older: string; baseline: string }> | undefined
const imageFiles = () =>
  (genuineImages ??= (async () => ({
    valid: (await writeImage('valid-1.1.0')).path,
    older: (await writeImage('older-0.9.0')).path,
    baseline: (await writeImage('baseline-1.0.0')).path,
  }))())

export interface TlsFiles {
  certFile: string
  keyFile: string
  caCertFile: string
  caKeyFile: string
  caPem: string
  certPem: string
}

let tlsFiles: Promise<TlsFiles> | undefined
/** The vendor CA and the update server's genuine certificate for 127.0.0.1, as files. */
export function genuineTls(): Promise<TlsFiles> {
  return (tlsFiles ??= (async () => {
    const ca = await createCa('TS701 Vendor Root CA')
    const server = await issueServerCert(ca, { hosts: ['127.0.0.1'] })
    const d = await workDir()
    const files = {
      certFile: join(d, 'server.pem'),
      keyFile: join(d, 'server.key'),
      caCertFile: join(d, 'ca.pem'),
      caKeyFile: join(d, 'ca.key'),
    }
    await Promise.all([
      writeFile(files.certFile, server.certPem),
      writeFile(files.keyFile, server.keyPem),
      writeFile(files.caCertFile, ca.certPem),
      writeFile(files.caKeyFile, ca.keyPem),
    ])
    return { ...files, caPem: ca.certPem, certPem: server.certPem }
  })())
}

// --- the profile -----------------------------------------------------------------------------

const ROUTES: EmulatorRoute[] = [
  {
    name: 'check-offering',
    method: 'GET',
    path: '/v1/check',
    when: 'offering',
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"available":true,"version":"{{image.version}}","url":"{{image.url}}","sha256":"{{image.sha256}}"}',
  },
  {
    name: 'check-idle',
    method: 'GET',
    path: '/v1/check',
    when: 'idle',
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: '{"available":false}',
  },
  { name: 'image', method: 'GET', path: '/images/:name', status: 200, serve: 'image' },
  { name: 'image-payload', method: 'GET', path: '/images/:name/payload', status: 200, serve: 'image', part: 'payload' },
]

/** A request as an HTTP profile would write it; the judges only read the timeouts and the delivery mode. */
const req = (path: string) => ({ method: 'POST', path })

/** The operation map a profile for this device declares: what `supports` answers, and the timeouts. */
function operationsOf(dut: FakeDut, o: FakeSessionOptions): ChannelOperationMap {
  const ready = o.readyTimeoutMs ?? 300
  const has = (op: Operation) => dut.supports(op)
  const changes = Object.fromEntries([...dut.declaredChanges].map((c) => [c, req(`/settings/${c}`)]))
  const operations: Record<string, unknown> = {
    ...(has('identify') && {
      identify: { request: req('/info'), extract: { model: { pointer: '/model' }, version: { pointer: '/version' } } },
    }),
    ...(has('read-settings') && {
      'read-settings': {
        request: req('/settings'),
        extract: { automaticUpdates: { pointer: '/auto' }, notifications: { pointer: '/notify' } },
      },
    }),
    ...(has('change-settings') && { 'change-settings': changes }),
    ...(has('deliver-image') && { 'deliver-image': { mode: o.deliverMode ?? 'raw', request: req('/update') } }),
    ...(has('read-outcome') && {
      'read-outcome': {
        mode: 'poll',
        request: req('/update/status'),
        extract: { state: { pointer: '/state' } },
        states: { installed: ['installed'], rejected: ['rejected'], pending: ['pending'] },
        intervalMs: 10,
        timeoutMs: o.outcomeTimeoutMs ?? 200,
      },
    }),
    ...(has('read-notifications') && {
      'read-notifications': { request: req('/notifications'), extract: { items: { pointer: '/items' }, text: { pointer: '/text' } } },
    }),
    ...(has('check-now') && { 'check-now': { request: req('/update/check') } }),
    ...(has('reboot') && { reboot: { request: req('/reboot'), readyTimeoutMs: ready } }),
    ...(has('factory-reset') && { 'factory-reset': { request: req('/factory-reset'), readyTimeoutMs: ready } }),
    ...(has('restore') && { restore: { request: req('/restore'), readyTimeoutMs: ready } }),
  }
  return operations as ChannelOperationMap
}

// --- sessions --------------------------------------------------------------------------------

const shared = new Map<string, Promise<unknown>>()
const realEmulators = new Set<UpdateServerEmulator>()
const httpLinks = new Set<HttpServerLink>()
let sessionSeq = 0

/** Tests under way in this file; with `describe.concurrent`, more than one. */
let running = 0
beforeEachTest(() => {
  running++
})

afterEachTest(async () => {
  // Concurrent tests share these sets: what they opened is closed once the last of them has ended,
  // not when the first does (that left the others talking to a closed emulator).
  if (--running > 0) return
  await Promise.all([...realEmulators].map((e) => e.close()))
  realEmulators.clear()
  await Promise.all([...httpLinks].map((l) => l.close()))
  httpLinks.clear()
})

/** A session around a fake device; every call gives a fresh one (experiments are not shared). */
export async function fakeSession(o: FakeSessionOptions = {}): Promise<FakeSession> {
  const n = ++sessionSeq
  const dut = o.dut ?? new FakeDut()
  const evidence = new EvidenceLog()
  dut.evidence = evidence
  const files = await imageFiles()
  const [valid, older] = await Promise.all([
    hashFile(files.valid).then(({ size, sha256 }): OfferedImage => ({
      name: 'valid-image',
      path: files.valid,
      size,
      sha256,
      version: '1.1.0',
    })),
    o.older === false
      ? undefined
      : hashFile(files.older).then(({ size, sha256 }): OfferedImage => ({
          name: 'older-image',
          path: files.older,
          size,
          sha256,
          version: '0.9.0',
        })),
  ])
  dut.genuine.add(valid.sha256)
  if (older) dut.genuine.add(older.sha256)
  const previous = o.previous ? { path: files.baseline, version: '1.0.0', ...(await hashFile(files.baseline)) } : undefined
  if (previous) dut.genuine.add(previous.sha256)

  const attacks: LabPayload['attacks'] = []
  for (const a of o.attacks ?? DEFAULT_ATTACKS) {
    if (a.kind === 'downgrade' && !older) continue
    const file = a.kind === 'downgrade' ? { path: older!.path, size: older!.size, sha256: older!.sha256 } : await writeImage(a.name)
    const parts = a.tamperedPart !== undefined && {
      parts: { [a.tamperedPart]: await writeImage(`${a.name}-${a.tamperedPart}`) },
      tamperedPart: a.tamperedPart,
    }
    attacks.push({ name: a.name, kind: a.kind, description: `the ${a.name} attack`, ...file, ...(a.flip && { flip: a.flip }), ...parts })
  }
  if (previous && o.sameVersion) {
    const { path, size, sha256 } = valid
    attacks.push({ name: 'same-version', kind: 'replay', description: 'the valid image again', path, size, sha256, afterUpdate: true })
  }
  if (previous) {
    const { path, size, sha256 } = previous
    attacks.push({
      name: 'previous-version',
      kind: 'downgrade',
      description: 'the previous version',
      path,
      size,
      sha256,
      afterUpdate: true,
    })
  }

  const tlsOption = o.updateServer ? o.updateServer.tls : undefined
  const tls = tlsOption ? await genuineTls() : undefined
  // In the work folder, which exists: bench commands run in the profile's folder.
  const profileFile = join(await workDir(), `dut-${n}.yaml`)
  const profile: DutProfile = {
    file: profileFile,
    name: `fake DUT ${n}`,
    source: { file: profileFile, line: 1, column: 1 },
    adapter: { kind: 'fake', timeouts: { defaultMs: 300, operations: {} } },
    timeScale: o.timeScale ?? 1,
    observationSeconds: o.observationSeconds ?? 0.2,
    operations: operationsOf(dut, o),
    mechanisms: Object.fromEntries(
      Object.entries(o.mechanisms ?? DEFAULT_MECHANISMS).map(([id, via]): [string, MechanismDrive] => [id, { via }]),
    ),
    ...(o.updateServer !== false && {
      updateServer: {
        host: '127.0.0.1',
        port: o.emulator === 'real' ? 0 : 8702,
        ...(tls && {
          tls: {
            certFile: tls.certFile,
            keyFile: tls.keyFile,
            ...(tlsOption !== 'without-ca' && { caCertFile: tls.caCertFile, caKeyFile: tls.caKeyFile }),
          },
        }),
        ...(o.updateServer?.pollInterval && { pollInterval: o.updateServer.pollInterval }),
        imagePath: '/images/{{image.name}}',
        routes: [...ROUTES, ...(o.routes ?? [])],
      },
    }),
    images: {
      format: 'raw',
      valid: { file: valid.path, version: valid.version },
      ...(older && { older: { file: older.path, version: older.version } }),
      ...(previous && { baseline: { file: previous.path, version: previous.version } }),
      attacks: [],
    },
    publications: o.publications ?? [],
    ...(o.bench && { bench: o.bench }),
    ...(o.observe && { observe: o.observe }),
  }

  const lab: LabPayload = { profile, credentials: {}, evidenceFile: '', workDir: await workDir(), attacks }
  const server = new FakeUpdateServer(evidence, tls && { certPem: tls.certPem, keyPem: await readFile(tls.keyFile, 'utf8') })
  dut.genuineCertPem = tls?.certPem

  const memo = new Map<string, Promise<unknown>>()
  const once = <T>(key: string, experiment: () => Promise<T>): Promise<T> => {
    const store = o.share?.includes(key) ? shared : memo
    if (!store.has(key)) store.set(key, experiment())
    return store.get(key) as Promise<T>
  }
  const emulator = (): Promise<UpdateServerEmulator> =>
    once('emulator', async () => {
      if (!profile.updateServer) throw new Error('the DUT profile declares no updateServer')
      if (o.emulator !== 'real') return server as unknown as UpdateServerEmulator
      const real = await UpdateServerEmulator.start({
        host: profile.updateServer.host,
        port: profile.updateServer.port,
        routes: profile.updateServer.routes,
        imagePath: profile.updateServer.imagePath,
        evidence,
        ...(tls && { tls: { certPem: tls.certPem, keyPem: await readFile(tls.keyFile, 'utf8') } }),
        ...(profile.updateServer.pollInterval && { pollInterval: profile.updateServer.pollInterval }),
      })
      realEmulators.add(real)
      return real
    })
  if (o.emulator === 'real') {
    const link = new HttpServerLink(async () => (await emulator()).url, dut, tls?.caPem)
    httpLinks.add(link)
    dut.link = link
  } else {
    dut.link = new FakeServerLink(server, dut)
  }

  // Bench actions as the run session does them, on the fake device.
  const bench = { profile, dut, evidence, ...(o.terminal !== undefined && { terminal: o.terminal }) }
  // Backed by the fake device unless the options name other sources, as the run session's is.
  const observe = new Observer({ profile, dut, evidence, emulator, credentials: {} })
  const s: FakeSession = {
    lab,
    profile,
    dut,
    evidence,
    progress: false,
    emulator,
    baseline: () => once('baseline', () => readBaseline(dut, observe)),
    valid: () => once('image:valid', async () => valid),
    older: () => once('image:older', async () => older),
    once,
    act: (action) => actAndWait(bench, observe, action),
    supportsAction: (action) => benchSupports(bench, action),
    actionBy: (action) => benchActionBy(bench, action),
    observe,
    server,
    images: { valid, ...(older && { older }) },
  }
  return s
}

// --- running units as the harness does ------------------------------------------------------

let example: Promise<Assessment> | undefined
/** The reference assessment without its assessor decisions: the verdicts are the judges' own. */
export function referenceAssessment(): Promise<Assessment> {
  return (example ??= loadAssessment('examples/reference-dut').then(({ assessment, findings }) => {
    if (!assessment) throw new Error(`examples/reference-dut does not load:\n${findings.map((f) => f.message).join('\n')}`)
    return { ...assessment, decisions: [] }
  }))
}

export function unitDef(unitId: string, standard = V3): { unit: UnitDef; groupId: string; caseId: string } {
  for (const g of loadEdition(standard).groups) {
    for (const c of g.cases) {
      const unit = c.units.find((u) => u.id === unitId)
      if (unit) return { unit, groupId: g.id, caseId: c.id }
    }
  }
  throw new Error(`no unit ${unitId} in ${standard}`)
}

export interface UnitOptions {
  /** The IXIT entry (its ID in the assessment); absent for an empty selection. */
  target?: string
  variant?: string
  emptyReason?: string
  standard?: string
  /** Default: the reference assessment without decisions. */
  assessment?: Assessment
}

/** The input a suite's check receives for one planned unit. */
export async function unitInput(s: FakeSession, unitId: string, o: UnitOptions = {}): Promise<FunctionalInput> {
  const assessment = o.assessment ?? (await referenceAssessment())
  const { unit } = unitDef(unitId, o.standard)
  const target = findEntry(assessment, o.target)
  if (o.target !== undefined && !target) throw new Error(`no IXIT entry ${o.target}`)
  return {
    assessment,
    edition: loadEdition(o.standard ?? V3),
    unit,
    ...(target && { target }),
    ...(o.variant !== undefined && { variant: o.variant }),
    ...(o.emptyReason !== undefined && { emptyReason: o.emptyReason }),
    lab: s.lab,
    session: s,
  }
}

let checks: Promise<Map<string, FunctionalCheck>> | undefined
/** Loaded on first use: a file that only calls judges directly does not depend on every suite. */
const allChecks = () => (checks ??= import('../../../suites/index.ts').then((m) => indexChecks(m.ALL_CHECKS)))

const APPLICABLE: Applicability = { applicable: true, reason: 'applicable (unit test)', conditions: [] }

/**
 * Runs one unit the way a run does: the suite's check for the unit ID, through the harness,
 * which turns an error the check throws into INCONCLUSIVE with its message.
 */
export async function runUnit(s: FakeSession, unitId: string, o: UnitOptions = {}): Promise<UnitResult> {
  const standard = o.standard ?? V3
  const assessment = o.assessment ?? (await referenceAssessment())
  const { unit, groupId, caseId } = unitDef(unitId, standard)
  const p: PlannedUnit = {
    groupId,
    caseId,
    unit,
    ...(o.target !== undefined && { target: o.target }),
    ...(o.variant !== undefined && { variant: o.variant }),
    ...(o.emptyReason !== undefined && { emptyReason: o.emptyReason }),
  }
  return runFunctionalUnit(p, APPLICABLE, { assessment, edition: loadEdition(standard), checks: await allChecks(), session: s })
}
