import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { stringify } from 'yaml'
import { createCa, issueServerCert, type Pki } from '../fixtures/certs.ts'
import { buildImage, type BuiltImage } from '../fixtures/image.ts'
import { exportPublicKeyPem, generateSigningKey, type SigningKey } from '../fixtures/keys.ts'
import { ReferenceDut } from './device.ts'
import { parseFlaws } from './flaws.ts'
import { DEFAULT_HARDWARE_ID } from './identity.ts'
import type { LogEntry } from './log.ts'
import { firmwarePayload } from './payload.ts'
import { PASSWORD_ENV, referenceProfile } from './profile.ts'

export interface ReferenceSetupOptions {
  flaws?: string[]
  /** Device seconds per real second; default 43200 (a device day in 2 real seconds). */
  timeScale?: number
  /** Default: a fresh temporary folder, removed by `close()`. A given folder is kept. */
  dir?: string
  /** Default 0: ephemeral. */
  apiPort?: number
  /** Default: a free ephemeral port. Nothing listens there until the lab starts its emulator. */
  updateServerPort?: number
  /** Default true. */
  https?: boolean
  /** Receives the device log as it is written. */
  onLog?: (entry: LogEntry) => void
  /** The device's staging area; 64 MiB by default. */
  maxImageBytes?: number
}

export const DEFAULT_TIME_SCALE = 43_200
export const OTHER_HARDWARE_ID = 'ts701-ref-hw2'
const PAYLOAD_BYTES = 320 * 1024

export interface ReferenceImages {
  baseline: BuiltImage
  valid: BuiltImage
  older: BuiltImage
  otherHardware: BuiltImage
}

export interface ReferenceSetup {
  sim: ReferenceDut
  /** `dir/dut.yaml`. */
  profileFile: string
  /** The profile's auth names this variable. */
  env: Record<string, string>
  apiUrl: string
  updateServerUrl: string
  dir: string
  /** The vendor CA and the update server's certificate (for the emulator to present). */
  tls: { ca: Pki; server: Pki; files: { caCert: string; caKey: string; serverCert: string; serverKey: string } }
  images: ReferenceImages
  /** The vendor's update-signing key (kept in memory only, as in the vendor's HSM). */
  vendorKey: SigningKey
  close(): Promise<void>
}

/**
 * Everything the harness needs to assess the reference DUT: keys, certificates and images made
 * fresh for this run (none of it is ever committed), the running device, and its DUT profile.
 */
export async function createReferenceSetup(options: ReferenceSetupOptions = {}): Promise<ReferenceSetup> {
  const flaws = [...parseFlaws(options.flaws ?? [])]
  const ownsDir = options.dir === undefined
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ts701-sim-')))
  let sim: ReferenceDut | undefined
  try {
    await mkdir(dir, { recursive: true })
    const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE
    const https = options.https ?? true
    const at = (...parts: string[]) => join(dir, ...parts)

    const vendorKey = generateSigningKey('ecdsa-p256-sha256')
    const ca = await createCa('TS701 Vendor Update CA (lab)')
    const server = await issueServerCert(ca, { hosts: ['127.0.0.1', 'localhost'] })
    const tlsFiles = { caCert: at('tls', 'vendor-ca.pem'), caKey: at('tls', 'vendor-ca.key'), serverCert: at('tls', 'update-server.pem'), serverKey: at('tls', 'update-server.key') }
    await mkdir(at('tls'), { recursive: true })
    await writeFile(tlsFiles.caCert, ca.certPem)
    await writeFile(tlsFiles.caKey, ca.keyPem, { mode: 0o600 })
    await writeFile(tlsFiles.serverCert, server.certPem)
    await writeFile(tlsFiles.serverKey, server.keyPem, { mode: 0o600 })
    await writeFile(at('tls', 'vendor-signing.pub.pem'), exportPublicKeyPem(vendorKey))

    const image = (name: string, version: string, versionCounter: number, hardwareId = DEFAULT_HARDWARE_ID) =>
      buildImage({ name, hardwareId, version, versionCounter, key: vendorKey, payload: firmwarePayload(`${hardwareId}/${version}`, PAYLOAD_BYTES), out: at('images', `${name}.img`) })
    const images: ReferenceImages = {
      baseline: await image('baseline-1.0.0', '1.0.0', 100),
      valid: await image('valid-1.1.0', '1.1.0', 110),
      older: await image('older-0.9.0', '0.9.0', 90),
      otherHardware: await image('other-hardware', '1.1.0', 110, OTHER_HARDWARE_ID),
    }

    // 0 means "any": the profile needs the real number, and nothing listens there yet to ask.
    const updateServerPort = options.updateServerPort || (await freePort())
    const updateServerUrl = `${https ? 'https' : 'http'}://127.0.0.1:${updateServerPort}`
    const password = randomBytes(18).toString('base64url')
    sim = new ReferenceDut({
      dir: at('device'),
      password,
      trustedKeys: [vendorKey.publicKey],
      baselineImage: images.baseline.path,
      updateServerUrl,
      vendorCaPem: ca.certPem,
      flaws,
      timeScale,
      port: options.apiPort ?? 0,
      onLog: options.onLog,
      maxImageBytes: options.maxImageBytes,
    })
    const apiUrl = await sim.start()

    const rel = (path: string) => relative(dir, path)
    const profile = referenceProfile({
      apiUrl,
      timeScale,
      updateServer: { port: updateServerPort, https },
      files: {
        serverCert: rel(tlsFiles.serverCert),
        serverKey: rel(tlsFiles.serverKey),
        caCert: rel(tlsFiles.caCert),
        caKey: rel(tlsFiles.caKey),
        valid: rel(images.valid.path),
        older: rel(images.older.path),
        otherHardware: rel(images.otherHardware.path),
      },
      versions: { valid: images.valid.manifest.version, older: images.older.manifest.version },
      otherHardwareId: OTHER_HARDWARE_ID,
    })
    const profileFile = at('dut.yaml')
    const header = `# DUT profile of the simulated reference DUT, generated by ts701 at run time (flaws: ${flaws.join(', ') || 'none'}).\n# Keys, certificates and images next to it are made fresh for every run; do not commit them.\n`
    await writeFile(profileFile, header + stringify(profile, { lineWidth: 0 }))

    const device = sim
    return {
      sim: device,
      profileFile,
      env: { [PASSWORD_ENV]: password },
      apiUrl,
      updateServerUrl,
      dir,
      tls: { ca, server, files: tlsFiles },
      images,
      vendorKey,
      close: async () => {
        await device.close()
        if (ownsDir) await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await sim?.close()
    if (ownsDir) await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** Writes `KEY=value` lines readable by `set -a; . file` and by dotenv, visible to the owner only. */
export async function writeEnvFile(file: string, env: Record<string, string>): Promise<void> {
  await writeFile(file, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 })
  await chmod(file, 0o600)
}

/** A port that was free a moment ago; the emulator binds it later. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}
