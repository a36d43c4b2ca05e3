import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { stringify } from 'yaml'
import { buildDetached, type DetachedBundle } from '../fixtures/detached.ts'
import { createCa, issueServerCert, type Pki } from '../fixtures/certs.ts'
import { DEFAULT_CA_KEY, KEY_ALGORITHMS, type KeyAlgorithm } from '../fixtures/key-algorithms.ts'
import { buildImage, type BuiltImage } from '../fixtures/image.ts'
import { exportPublicKeyPem, generateSigningKey, type SigningKey } from '../fixtures/keys.ts'
import { BENCH_SCRIPT, BenchController, writeBenchScript } from './bench.ts'
import type { EmbeddedBroker } from './broker.ts'
import { freePort } from './ports.ts'
import { SerialConsole } from './console.ts'
import { ReferenceDut } from './device.ts'
import { SimError } from './errors.ts'
import { parseFlaws } from './flaws.ts'
import { DEFAULT_HARDWARE_ID } from './identity.ts'
import type { LogEntry } from './log.ts'
import { channelOfMode, MODE_CHANNEL, MODES, type Mode } from './modes/index.ts'
import { MODE_PROFILES } from './modes/profiles.ts'
import { defaultTopicRoot, MqttFrontEnd, type MqttTopics } from './mqtt.ts'
import { JobsAgent } from './mqtt-jobs.ts'
import { firmwarePayload } from './payload.ts'
import {
  CHANNELS,
  channelProfile,
  PASSWORD_ENV,
  type Channel,
  type ChannelInput,
  type DetachedFiles,
  type ProfileInput,
} from './profile.ts'
import { exposeOnPty, findSocat, SOCAT_MISSING, type PtyBridge } from './pty.ts'

export interface ReferenceSetupOptions {
  flaws?: string[]
  /** Automatic updates stay off after a factory reset until the user consents during initialization. */
  awaitsConsent?: boolean
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
  /** The key type of the lab's update CA and the server's certificate; default DEFAULT_CA_KEY. */
  caKey?: KeyAlgorithm
  /** Receives the device log as it is written. */
  onLog?: (entry: LogEntry) => void
  /** The device's staging area; 64 MiB by default. */
  maxImageBytes?: number
  /**
   * How the lab drives the device, and what `dut.yaml` declares: the HTTP API (default), the
   * device's MQTT client, or its serial console. The HTTP API and the polling of the HTTPS update
   * server run whatever the channel (the support page stays on the API).
   */
  channel?: Channel
  /** MQTT: the broker the device connects to (loopback). Default: an embedded aedes broker, closed by `close()`. */
  brokerUrl?: string
  /** MQTT: the embedded broker's port; default 0 (ephemeral). Ignored with `brokerUrl`. */
  brokerPort?: number
  /** MQTT: client ID and topic root; default `ts701-<hardwareId>` and `ts701/<hardwareId>` (a shared broker wants unique ones). */
  mqttClientId?: string
  mqttTopicRoot?: string
  /** MQTT: how long the first connection to the broker may take (real ms); default 10 s. */
  mqttConnectTimeoutMs?: number
  /** Serial: the console's TCP port (what ser2net would export); default 0 (ephemeral). */
  consolePort?: number
  /**
   * Serial: also expose the console on a pseudo-terminal `<dir>/tty-dut` (socat), which the
   * profile then names. Default: when socat is installed. True without socat fails.
   */
  pty?: boolean
  /**
   * Which kind of update agent the device behaves like (sim/modes/): `api` (default) has a lab
   * API over `channel`; the other modes fix their own channel and write the profile a lab would
   * for such a device, with bench actions through the bench controller.
   */
  mode?: Mode
  /** The bench controller's port (power relay, reflashing jig); default 0 (ephemeral). */
  benchPort?: number
}

export const DEFAULT_TIME_SCALE = 43_200
export const OTHER_HARDWARE_ID = 'ts701-ref-hw2'

/** The images made for every run (`images/<name>.img`). */
export const REFERENCE_IMAGES = {
  baseline: { name: 'baseline-1.0.0', version: '1.0.0', counter: 100 },
  valid: { name: 'valid-1.1.0', version: '1.1.0', counter: 110 },
  older: { name: 'older-0.9.0', version: '0.9.0', counter: 90 },
  /** Validly signed, for the other hardware ID. */
  otherHardware: { name: 'other-hardware', version: '1.1.0', counter: 110 },
} as const

/** Where the generated material goes, relative to the setup's folder (and so to its dut.yaml). */
export const LAYOUT = {
  caCert: 'tls/vendor-ca.pem',
  caKey: 'tls/vendor-ca.key',
  serverCert: 'tls/update-server.pem',
  serverKey: 'tls/update-server.key',
  image: (name: string) => `images/${name}.img`,
} as const
const PAYLOAD_BYTES = 320 * 1024

/** Mode `detached`: a bundle's files as `buildDetached` names them, relative to the setup's folder. */
export function detachedLayout({ name, version }: { name: string; version: string }): DetachedFiles {
  return {
    file: `images/${name}.manifest.json`,
    version,
    parts: { payload: `images/${name}.payload`, signature: `images/${name}.sig` },
  }
}

export interface ReferenceImages {
  baseline: BuiltImage
  valid: BuiltImage
  older: BuiltImage
  otherHardware: BuiltImage
}

/** Mode `detached`: the same updates as manifest, payload and signature (`images/<name>.manifest.json`, `.payload`, `.sig`). */
export type DetachedImages = Record<keyof ReferenceImages, DetachedBundle>

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
  /** Mode `detached` only: its bundles, signed with the same key and of the same versions and counters. */
  detached?: DetachedImages
  /** The vendor's update-signing key (kept in memory only, as in the vendor's HSM). */
  vendorKey: SigningKey
  /** The channel the profile drives: `none` for the modes without a lab API. */
  channel: Channel | 'none'
  mode: Mode
  /** The lab bench (power relay, reflashing jig) the profile's bench commands reach. */
  bench: BenchController
  benchUrl: string
  /** MQTT: the broker the device is connected to, its client and topics. */
  brokerUrl?: string
  mqtt?: MqttFrontEnd
  mqttTopics?: MqttTopics
  /** Mode jobs: the MQTT jobs agent (its topics under `jobs.topics`). */
  jobs?: JobsAgent
  /** Serial: `tcp://127.0.0.1:<port>`, the pty link when there is one, and the console. */
  consoleUrl?: string
  ttyPath?: string
  console?: SerialConsole
  close(): Promise<void>
}

/**
 * Everything the harness needs to assess the reference DUT: keys, certificates and images made
 * fresh for this run (none of it is ever committed), the running device, and its DUT profile.
 */
export async function createReferenceSetup(options: ReferenceSetupOptions = {}): Promise<ReferenceSetup> {
  const flaws = [...parseFlaws(options.flaws ?? [])]
  const mode = options.mode ?? 'api'
  if (!MODES.includes(mode)) throw new SimError('E_SIM_CONFIG', `unknown mode ${String(mode)}; modes: ${MODES.join(', ')}`)
  if (options.channel !== undefined && !CHANNELS.includes(options.channel))
    throw new SimError('E_SIM_CONFIG', `unknown channel ${String(options.channel)}; channels: ${CHANNELS.join(', ')}`)
  const channel = channelOfMode(mode, options.channel)
  if (channel === undefined)
    throw new SimError(
      'E_SIM_CONFIG',
      `mode ${mode} runs over ${mode === 'api' ? 'any channel' : MODE_CHANNEL[mode]}, not ${options.channel}`,
    )
  if (options.pty === true && channel === 'serial' && !findSocat()) throw new SimError('E_SIM_CONFIG', SOCAT_MISSING)
  if (options.caKey !== undefined && !KEY_ALGORITHMS.includes(options.caKey))
    throw new SimError('E_SIM_CONFIG', `unknown CA key type ${String(options.caKey)}; key types: ${KEY_ALGORITHMS.join(', ')}`)
  const ownsDir = options.dir === undefined
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ts701-sim-')))
  // Closed in reverse order of starting; every part started so far, also when a later one fails.
  const parts: Array<() => Promise<void>> = []
  const stop = async () => {
    for (const close of parts.splice(0).reverse()) await close().catch(() => {})
  }
  try {
    await mkdir(dir, { recursive: true })
    const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE
    const https = options.https ?? true
    const at = (...parts: string[]) => join(dir, ...parts)

    const vendorKey = generateSigningKey('ecdsa-p256-sha256')
    const ca = await createCa('TS701 Vendor Update CA (lab)', { key: options.caKey ?? DEFAULT_CA_KEY })
    const server = await issueServerCert(ca, { hosts: ['127.0.0.1', 'localhost'] })
    const tlsFiles = {
      caCert: at(LAYOUT.caCert),
      caKey: at(LAYOUT.caKey),
      serverCert: at(LAYOUT.serverCert),
      serverKey: at(LAYOUT.serverKey),
    }
    await mkdir(at('tls'), { recursive: true })
    await writeFile(tlsFiles.caCert, ca.certPem)
    await writeFile(tlsFiles.caKey, ca.keyPem, { mode: 0o600 })
    await writeFile(tlsFiles.serverCert, server.certPem)
    await writeFile(tlsFiles.serverKey, server.keyPem, { mode: 0o600 })
    await writeFile(at('tls', 'vendor-signing.pub.pem'), exportPublicKeyPem(vendorKey))

    const image = ({ name, version, counter }: { name: string; version: string; counter: number }, hardwareId = DEFAULT_HARDWARE_ID) =>
      buildImage({
        name,
        hardwareId,
        version,
        versionCounter: counter,
        key: vendorKey,
        payload: firmwarePayload(`${hardwareId}/${version}`, PAYLOAD_BYTES),
        out: at(LAYOUT.image(name)),
      })
    const images: ReferenceImages = {
      baseline: await image(REFERENCE_IMAGES.baseline),
      valid: await image(REFERENCE_IMAGES.valid),
      older: await image(REFERENCE_IMAGES.older),
      otherHardware: await image(REFERENCE_IMAGES.otherHardware, OTHER_HARDWARE_ID),
    }
    const bundle = ({ name, version, counter }: { name: string; version: string; counter: number }, hardwareId = DEFAULT_HARDWARE_ID) =>
      buildDetached({
        name,
        version,
        versionCounter: counter,
        hardwareId,
        key: vendorKey,
        payload: firmwarePayload(`${hardwareId}/${version}`, PAYLOAD_BYTES),
        dir: at('images'),
      })
    const detached: DetachedImages | undefined =
      mode === 'detached'
        ? {
            baseline: await bundle(REFERENCE_IMAGES.baseline),
            valid: await bundle(REFERENCE_IMAGES.valid),
            older: await bundle(REFERENCE_IMAGES.older),
            otherHardware: await bundle(REFERENCE_IMAGES.otherHardware, OTHER_HARDWARE_ID),
          }
        : undefined

    // 0 means "any": the profile needs the real number, and nothing listens there yet to ask.
    const updateServerPort = options.updateServerPort || (await freePort())
    const updateServerUrl = `${https ? 'https' : 'http'}://127.0.0.1:${updateServerPort}`
    const password = randomBytes(18).toString('base64url')
    const sim = new ReferenceDut({
      dir: at('device'),
      password,
      trustedKeys: [vendorKey.publicKey],
      baselineImage: images.baseline.path,
      updateServerUrl,
      vendorCaPem: ca.certPem,
      flaws,
      awaitsConsent: options.awaitsConsent,
      timeScale,
      port: options.apiPort ?? 0,
      onLog: options.onLog,
      maxImageBytes: options.maxImageBytes,
      mode,
    })
    parts.push(() => sim.close())
    const apiUrl = await sim.start()
    const bench = new BenchController(sim)
    parts.push(() => bench.close())
    const benchUrl = await bench.start(options.benchPort ?? 0)
    await writeBenchScript(at(BENCH_SCRIPT), benchUrl)

    const extra: Partial<ReferenceSetup> = {}
    let reach: ChannelInput = { kind: channel === 'none' ? 'none' : 'http' }
    if (channel === 'mqtt') {
      let brokerUrl = options.brokerUrl
      if (!brokerUrl) {
        // Loaded only here: the embedded broker (aedes) serves no other channel.
        const { startEmbeddedBroker } = await import('./broker.ts')
        const broker: EmbeddedBroker = await startEmbeddedBroker(options.brokerPort ?? 0)
        // The broker goes after the device has said goodbye on it.
        parts.splice(0, 0, () => broker.close())
        brokerUrl = broker.url
      }
      const topicRoot = options.mqttTopicRoot ?? defaultTopicRoot(sim.hardwareId)
      const client = {
        brokerUrl,
        topicRoot,
        ...(options.mqttClientId ? { clientId: options.mqttClientId } : {}),
        ...(options.mqttConnectTimeoutMs ? { connectTimeoutMs: options.mqttConnectTimeoutMs } : {}),
      }
      // Mode jobs has an agent on the broker instead of the lab API (sim/mqtt-jobs.ts).
      const mqtt = mode === 'jobs' ? new JobsAgent(sim, client) : new MqttFrontEnd(sim, client)
      parts.push(() => mqtt.close())
      await mqtt.start()
      if (mqtt instanceof JobsAgent) Object.assign(extra, { brokerUrl, jobs: mqtt })
      else Object.assign(extra, { brokerUrl, mqtt, mqttTopics: mqtt.topics })
      reach = { kind: 'mqtt', brokerUrl, topicRoot }
    } else if (channel === 'serial') {
      const console = new SerialConsole(sim, { port: options.consolePort ?? 0 })
      const consoleUrl = await console.start()
      parts.push(() => console.close())
      let ttyPath: string | undefined
      if (options.pty ?? findSocat() !== undefined) {
        const bridge: PtyBridge = await exposeOnPty(console.port, resolve(dir, 'tty-dut'))
        parts.push(() => bridge.close())
        ttyPath = bridge.path
      }
      Object.assign(extra, { consoleUrl, console, ...(ttyPath ? { ttyPath } : {}) })
      reach = { kind: 'serial', port: ttyPath ?? consoleUrl }
    }

    const rel = (path: string) => relative(dir, path)
    const files = (b: DetachedBundle): DetachedFiles => ({
      file: rel(b.path),
      version: b.manifest.version,
      parts: { payload: rel(b.parts.payload.path), signature: rel(b.parts.signature.path) },
    })
    const input: ProfileInput = {
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
      benchScript: BENCH_SCRIPT,
      ...(detached && {
        detached: {
          valid: files(detached.valid),
          older: files(detached.older),
          baseline: files(detached.baseline),
          otherHardware: files(detached.otherHardware),
        },
      }),
    }
    const profile = mode === 'api' ? channelProfile(input, reach) : MODE_PROFILES[mode](input, reach)
    const profileFile = at('dut.yaml')
    const header = `# DUT profile of the simulated reference DUT (channel ${channel}), generated by ts701 at run time (mode ${mode}, flaws: ${flaws.join(', ') || 'none'}).\n# Keys, certificates and images next to it are made fresh for every run; do not commit them.\n`
    await writeFile(profileFile, header + stringify(profile, { lineWidth: 0, aliasDuplicateObjects: false }))

    return {
      sim,
      profileFile,
      env: { [PASSWORD_ENV]: password },
      apiUrl,
      updateServerUrl,
      dir,
      tls: { ca, server, files: tlsFiles },
      images,
      ...(detached && { detached }),
      vendorKey,
      channel,
      mode,
      bench,
      benchUrl,
      ...extra,
      close: async () => {
        await stop()
        if (ownsDir) await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await stop()
    if (ownsDir) await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** Writes `KEY=value` lines readable by `set -a; . file` and by dotenv, visible to the owner only. */
export async function writeEnvFile(file: string, env: Record<string, string>): Promise<void> {
  await writeFile(
    file,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    { mode: 0o600 },
  )
  await chmod(file, 0o600)
}
