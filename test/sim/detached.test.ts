// Mode detached: the device fetches a signed JSON manifest and its detached signature, checks them,
// and fetches the payload only when they pass. The update server here is the mode tests' small
// HTTPS server (the emulator cannot serve parts yet), serving each bundle's three files.
import { statSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { buildDetached, type DetachedBundle } from '../../fixtures/detached.ts'
import { generateSigningKey } from '../../fixtures/keys.ts'
import { firmwarePayload } from '../../sim/payload.ts'
import { DEFAULT_HARDWARE_ID } from '../../sim/identity.ts'
import { sleep, startDevice, type Harness } from './helpers.ts'
import { AgentServer, type Request } from './modes/agent-server.ts'

const NEXT = '/api/v3/next'
const INVENTORY = '/api/v3/inventory'
const STATUS = /^\/api\/v3\/deployments\/([^/]+)\/status$/
const PARTS = ['manifest', 'signature', 'payload'] as const

/** Three files the server serves under `/updates/<name>/<part>`. */
interface Served {
  name: string
  manifest: string
  signature: string
  payload: string
}

const served = (b: DetachedBundle, name = b.name): Served => ({
  name,
  manifest: b.path,
  signature: b.parts.signature.path,
  payload: b.parts.payload.path,
})

/** A device in mode detached and its update server, offering one bundle under one deployment ID at a time. */
class Lab {
  offered: { id: string; bundle: Served } | undefined
  private constructor(
    readonly h: Harness,
    readonly server: AgentServer,
  ) {}

  static async start(flaws: string[] = []): Promise<Lab> {
    const h = await startDevice({ mode: 'detached', flaws })
    const server = await AgentServer.start(h.setup)
    const lab = new Lab(h, server)
    server.handler = (r) => lab.answer(r)
    return lab
  }

  get bundles() {
    return this.h.setup.detached!
  }

  /** A folder beside the setup's images for the bundles a test makes. */
  async dir(): Promise<string> {
    const dir = join(this.h.setup.dir, 'attacks')
    await mkdir(dir, { recursive: true })
    return dir
  }

  statuses(id: string): string[] {
    return this.server
      .to('PUT', STATUS)
      .filter((r) => STATUS.exec(r.path)![1] === id)
      .map((r) => r.body.status as string)
  }

  fetched(name: string, part: (typeof PARTS)[number]): number {
    return this.server.to('GET', `/updates/${name}/${part}`).length
  }

  /** Offers the bundle and waits for the deployment's final status. */
  async offer(id: string, bundle: Served): Promise<Request> {
    this.offered = { id, bundle }
    return this.server.seen((r) => r.method === 'PUT' && STATUS.exec(r.path)?.[1] === id && ['success', 'failure'].includes(r.body.status))
  }

  inventoryWith(version: string, from = 0): Promise<Request> {
    return this.server.seen((r) => r.method === 'PUT' && r.path === INVENTORY && r.body.version === version, 10_000, from)
  }

  async close(): Promise<void> {
    await this.server.close()
    await this.h.close()
  }

  private answer(r: Request) {
    if (r.method === 'GET' && r.path === NEXT) {
      if (!this.offered) return { status: 204 }
      const { id, bundle } = this.offered
      const url = (part: string) => `/updates/${bundle.name}/${part}`
      return {
        status: 200,
        json: { id, version: '9.9.9', manifest: url('manifest'), signature: url('signature'), payload: url('payload') },
      }
    }
    const bundle = this.offered?.bundle
    for (const part of PARTS) {
      if (bundle && r.method === 'GET' && r.path === `/updates/${bundle.name}/${part}`) {
        const path = bundle[part]
        return { image: { name: bundle.name, path, size: statSync(path).size, sha256: '' } }
      }
    }
    if (r.method === 'PUT' && r.path === INVENTORY) return { status: 200 }
    if (r.method === 'PUT' && STATUS.test(r.path)) return { status: 204 }
    return { status: 404 }
  }
}

/** The valid bundle with its manifest edited after signing (a far higher counter): the signature no longer fits. */
async function editedManifest(lab: Lab): Promise<Served> {
  const valid = lab.bundles.valid
  const manifest = JSON.parse(await readFile(valid.path, 'utf8')) as { versionCounter: number }
  manifest.versionCounter = 999
  const path = join(await lab.dir(), 'edited.manifest.json')
  await writeFile(path, JSON.stringify(manifest))
  return { ...served(valid, 'edited'), manifest: path }
}

/** The valid bundle with an empty signature file: an unsigned update. */
async function removedSignature(lab: Lab): Promise<Served> {
  const path = join(await lab.dir(), 'unsigned.sig')
  await writeFile(path, Buffer.alloc(0))
  return { ...served(lab.bundles.valid, 'unsigned'), signature: path }
}

/** A well-formed bundle signed by a key the device does not trust. */
async function foreignKey(lab: Lab): Promise<Served> {
  const bundle = await buildDetached({
    name: 'foreign',
    version: '1.1.0',
    versionCounter: 110,
    hardwareId: DEFAULT_HARDWARE_ID,
    key: generateSigningKey('ecdsa-p256-sha256'),
    payload: firmwarePayload('foreign', 4096),
    dir: await lab.dir(),
  })
  return served(bundle)
}

/** The valid manifest and signature with one payload byte flipped. */
async function flippedPayload(lab: Lab): Promise<Served> {
  const valid = lab.bundles.valid
  const bytes = await readFile(valid.parts.payload.path)
  bytes[bytes.length >> 1]! ^= 0x01
  const path = join(await lab.dir(), 'flipped.payload')
  await writeFile(path, bytes)
  return { ...served(valid, 'flipped'), payload: path }
}

describe('mode detached: a conformant device', () => {
  let lab: Lab
  beforeEach(async () => {
    lab = await Lab.start()
  })
  afterEach(async () => {
    await lab.close()
  })

  it('polls with its hardware ID, reports its inventory, and installs a valid bundle, manifest and signature before the payload', async () => {
    const poll = await lab.server.seen((r) => r.path === NEXT)
    expect(poll.query.get('hw')).toBe(DEFAULT_HARDWARE_ID)
    const inventory = await lab.inventoryWith('1.0.0')
    expect(inventory.body).toEqual({ version: '1.0.0', versionCounter: 100, hardwareId: DEFAULT_HARDWARE_ID, model: 'TS701-REF-1' })

    const valid = served(lab.bundles.valid)
    const final = await lab.offer('dep-ok', valid)
    expect(final.body.status).toBe('success')
    expect(lab.statuses('dep-ok')).toEqual(['downloading', 'installing', 'success'])
    const order = lab.server.requests.filter((r) => r.path.startsWith(`/updates/${valid.name}/`)).map((r) => r.path.split('/').pop())
    expect(order).toEqual(['manifest', 'signature', 'payload'])
    // The offer said 9.9.9: only the signed manifest decides the version and counter.
    expect(lab.h.setup.sim.firmware()).toMatchObject({ version: '1.1.0', counter: 110 })
    await lab.inventoryWith('1.1.0')
  })

  const refusals: Array<[string, (lab: Lab) => Promise<Served>, RegExp]> = [
    ['an edited manifest', editedManifest, /^bad-signature: /],
    ['a removed signature', removedSignature, /^unsigned: /],
    ['a foreign-key signature', foreignKey, /^untrusted-key: /],
    ['a manifest for other hardware', (l) => Promise.resolve(served(l.bundles.otherHardware)), /^wrong-hardware: /],
    ['an older counter', (l) => Promise.resolve(served(l.bundles.older)), /^rollback: /],
  ]
  for (const [what, make, detail] of refusals) {
    it(`refuses ${what} before fetching the payload, reports failure with its reason, keeps its version`, async () => {
      const bundle = await make(lab)
      const final = await lab.offer('dep-bad', bundle)
      expect(final.body.status).toBe('failure')
      expect(final.body.detail).toMatch(detail)
      expect(lab.statuses('dep-bad')).toEqual(['downloading', 'failure'])
      expect(lab.fetched(bundle.name, 'manifest')).toBe(1)
      expect(lab.fetched(bundle.name, 'signature')).toBe(1)
      // Settled: later polls do not bring it back, and the payload is never asked for.
      const from = lab.server.requests.length
      await lab.server.seen((r) => r.path === NEXT, 10_000, from)
      await sleep(200)
      expect(lab.fetched(bundle.name, 'payload')).toBe(0)
      expect(lab.h.setup.sim.firmware()).toMatchObject({ version: '1.0.0', counter: 100 })
    })
  }

  it('refuses a flipped payload once it has fetched it', async () => {
    const bundle = await flippedPayload(lab)
    const final = await lab.offer('dep-flip', bundle)
    expect(final.body.status).toBe('failure')
    expect(final.body.detail).toMatch(/^payload-hash: /)
    expect(lab.fetched(bundle.name, 'payload')).toBe(1)
    expect(lab.h.setup.sim.firmware().version).toBe('1.0.0')
  })

  it('writes a profile that reads the detached bundles, their parts and the emulator routes serving them', async () => {
    const { profile, findings } = await loadDutProfile(lab.h.setup.profileFile)
    expect(findings).toEqual([])
    if (!profile) throw new Error('no profile loaded')
    expect(profile.images).toMatchObject({ format: 'detached', valid: { version: '1.1.0' }, older: { version: '0.9.0' } })
    expect(Object.keys(profile.images?.valid.parts ?? {}).sort()).toEqual(['payload', 'signature'])
    expect(profile.updateServer?.partPath).toBe('/updates/{{image.name}}/{{part.name}}')
    const parts = profile.updateServer?.routes.filter((r) => r.serve === 'image').map((r) => r.part ?? 'main')
    expect(parts).toEqual(['main', 'payload', 'signature'])
    expect(profile.adapter.kind).toBe('none')
  })
})

describe('mode detached: each image flaw lets its one bad bundle through', () => {
  const cases: Array<[string, (lab: Lab) => Promise<Served>, string]> = [
    ['accept-unsigned', removedSignature, '1.1.0'],
    ['skip-signature-check', foreignKey, '1.1.0'],
    ['header-only-hash', flippedPayload, '1.1.0'],
    ['no-anti-rollback', (l) => Promise.resolve(served(l.bundles.older)), '0.9.0'],
    ['ignore-hardware-id', (l) => Promise.resolve(served(l.bundles.otherHardware)), '1.1.0'],
  ]
  for (const [flaw, make, version] of cases) {
    it(`${flaw}: installs it and reports success`, async () => {
      const lab = await Lab.start([flaw])
      try {
        const bundle = await make(lab)
        const final = await lab.offer('dep-flawed', bundle)
        expect(final.body, JSON.stringify(final.body)).toMatchObject({ status: 'success' })
        expect(lab.fetched(bundle.name, 'payload')).toBe(1)
        await lab.inventoryWith(version)
      } finally {
        await lab.close()
      }
    })
  }
})
