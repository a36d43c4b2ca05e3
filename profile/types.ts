import type { Operation } from '../core/dut.ts'
import type { SourceRef } from '../ixit/types.ts'

/**
 * The DUT profile (`dut.yaml`): how the lab reaches one particular device, declared without
 * code. A real device with its own API is one profile away from the reference DUT. The channel
 * (`adapter.kind`) decides the shape of `adapter` and `operations`; each channel declares its
 * own in `adapters/<kind>/profile.ts`. This module is what every channel shares.
 *
 * One type serves both the written and the loaded profile; there is no separate "as written"
 * type. The loader fills in the schema's defaults, so a field with a default is required here and
 * a profile writer (the reference device) writes it. Flags whose default is false stay optional:
 * a writer may leave them out and every reader takes a missing flag as false.
 */

/**
 * A loaded profile of some registered channel, as the channel-blind parts of ts701 read it
 * (harness, suites, emulator). The union of the registered channels' own profile types, which
 * narrows by `adapter.kind`, is `RegisteredDutProfile` in adapters/registry.ts.
 */
export interface DutProfile extends DutProfileCommon {
  adapter: ChannelAdapter
  operations: ChannelOperationMap
}

/** What the harness reads of every adapter, whatever the channel. */
export interface ChannelAdapter {
  kind: string
  timeouts: AdapterTimeouts
}

/**
 * Operations by name; what each one holds is the channel's, except what the harness and the
 * suites read whatever the channel: how long outcomes and restarts may take, and whether the
 * device fetches a delivered image itself (`mode: url`, from the update-server emulator).
 */
export type ChannelOperationMap = { [op in Operation]?: unknown } & {
  'deliver-image'?: { mode: string }
  /** Named deliveries beside `deliver-image`, each of its shape, for mechanisms that name one (`mechanisms.<id>.delivery`). */
  deliveries?: Record<string, { mode: string }>
  'read-outcome'?: { timeoutMs: number }
  reboot?: { readyTimeoutMs: number }
  'factory-reset'?: { readyTimeoutMs: number }
  restore?: { readyTimeoutMs: number }
}

/** Timeouts every adapter has: one default and per-operation overrides, in milliseconds. */
export interface AdapterTimeouts {
  defaultMs: number
  operations: Partial<Record<Operation, number>>
}

export interface DutProfileCommon {
  /** Where the profile was loaded from; not written in the document. */
  file: string
  name: string
  /** Device seconds per real second: 1 for real devices; the simulator compresses days. */
  timeScale: number
  /** How long 5.3-5 watches for update checks, in real seconds. */
  observationSeconds: number
  /** Which IXIT 7-UpdMech entry is exercised how; unlisted mechanisms are not driven. */
  mechanisms: Record<string, MechanismDrive>
  updateServer?: UpdateServerConfig
  images?: ImageSet
  /** IXIT publication URLs rewritten to where the lab reaches them (loopback only). */
  publications: Array<{ from: string; to: string }>
  /** How the lab does what the device's API may not offer (power-cycle, restore …); see bench/. */
  bench?: BenchSection
  /** Where facts the device reports elsewhere than through an operation are read (see ObserveSection). */
  observe?: ObserveSection
  /** Where the document starts; not written in the document. */
  source: SourceRef
}

/**
 * A command the lab runs on its own machine (`$defs/command`): a relay, a PDU, `uhubctl`, a
 * reflashing script. bench/command.ts runs it; its fields are documented in the schema.
 */
export interface CommandSpec {
  /** The program and its arguments; with `shell`, argv[0] is a `/bin/sh -c` script and the rest its `$1` …. */
  argv: string[]
  /** Set for the command over PATH, HOME and LANG of ts701's own environment. */
  env?: Record<string, string>
  /** Relative to the profile's folder; the profile's folder when absent. */
  cwd?: string
  timeoutMs?: number
  shell?: boolean
}

/** A bench action done by the device itself (`operations.<action>`). */
export interface BenchOperationStep {
  operation: true
}

/** A bench action done by a lab command. */
export interface BenchCommandStep {
  command: CommandSpec
  /** How long the device may take to answer `identify` again afterwards. */
  readyTimeoutMs?: number
}

/** A bench action an operator does, confirming on the terminal. */
export interface BenchManualStep {
  /** What the operator is asked to do. */
  manual: string
  /** How long the operator has. */
  timeoutMs?: number
  readyTimeoutMs?: number
}

export type BenchStep = BenchOperationStep | BenchCommandStep | BenchManualStep

/** `bench`: per action, how the lab does it; a power cycle is never a device operation. */
export interface BenchSection {
  reboot?: BenchStep
  'power-cycle'?: BenchCommandStep | BenchManualStep
  /** With power-on: a restart in two steps, so the harness knows when the power came back. */
  'power-off'?: BenchCommandStep | BenchManualStep
  'power-on'?: BenchCommandStep | BenchManualStep
  restore?: BenchStep
  'factory-reset'?: BenchStep
  'check-now'?: BenchStep
  'consent-automatic-updates'?: BenchStep
  'decline-automatic-updates'?: BenchStep
}

/** How to pull one value out of an answer (channels without headers reject `header`). */
export type Extract = { pointer: string } | { regex: string; group?: string } | { header: string }

/** Which raw values mean which outcome, e.g. `installed: [installed, success]`. */
export interface OutcomeStates {
  installed: string[]
  rejected: string[]
  pending: string[]
}

export interface MechanismDrive {
  /** `update-server`: the DUT fetches from the emulator; `deliver-image`: the lab hands it over. */
  via: 'update-server' | 'deliver-image'
  /** With `deliver-image`: which of `operations.deliveries` hands it over; `operations.deliver-image` when absent. */
  delivery?: string
}

export interface UpdateServerConfig {
  host: string
  port: number
  /** The certificate the DUT trusts for its update server; absent means plain HTTP. */
  tls?: { certFile: string; keyFile: string; caCertFile?: string; caKeyFile?: string }
  /** The poll interval the emulator tells the device, ISO-8601 duration in device time. */
  announceInterval?: string
  /** The old name of `announceInterval`, still accepted; when both are given they must agree. */
  pollInterval?: string
  /**
   * How long ts701 waits for the device's next check, ISO-8601 duration in device time; default
   * the announced interval. Devices that poll on their own schedule ignore what is announced.
   */
  waitInterval?: string
  /** How long a run waits for the device's first contact (ISO-8601, device time); implies `listenAtStart`. */
  firstContactTimeout?: string
  /** Listen from the start of the run, before any unit needs the emulator. */
  listenAtStart?: boolean
  /** Where the emulator serves the offered image; `{{image.name}}` is replaced. */
  imagePath: string
  /**
   * Where the emulator serves each companion file of a multi-file image (`{{image.parts.<part>.url}}`);
   * `{{part.name}}` names the part. Default: the image path followed by `/{{part.name}}`.
   */
  partPath?: string
  routes: EmulatorRoute[]
}

/**
 * One answer of the update-server emulator. Routes are tried in order; the first whose method,
 * path and conditions match answers.
 */
export interface EmulatorRoute {
  name: string
  /** One method in capitals, `*` for any, or a list of methods. */
  method: string | string[]
  /** Exact path, or a pattern with `:name` segments and a trailing `*`. Query strings are ignored. */
  path: string
  /** Only while the running unit offers an image (`offering`) or offers none (`idle`). */
  when?: 'offering' | 'idle'
  /** Only after / until a request matching the named route has been seen. */
  afterSeen?: string
  untilSeen?: string
  /** Only when the request satisfies the condition (every one of a list). */
  if?: RouteCondition | RouteCondition[]
  status: number
  headers?: Record<string, string>
  /** Body template, or `serve: image` to stream the image under test. */
  body?: string
  serve?: 'image'
  /** With `serve: image`: stream this companion file of a multi-file image instead of its main file. */
  part?: string
}

/**
 * A test on one value of the request: the JSON body at `pointer`, a query parameter, a header
 * (credential headers as recorded, masked), or without any of them the body text. Exactly one
 * of `equals` (a template, compared with the value as text) and `regex` (placeholders filled in,
 * escaped). A value the request lacks satisfies no condition.
 */
export interface RouteCondition {
  pointer?: string
  query?: string
  header?: string
  equals?: string
  regex?: string
}

export interface ImageRef {
  file: string
  version: string
  /** Companion files of a multi-file image by part name (`detached`: `payload` and `signature`). */
  parts?: Record<string, string>
}

/**
 * What a lab-prepared image attacks, so it counts for the units that test that property exactly
 * as a derived attack of the same kind does; `custom` counts for the whole campaign only.
 */
export type PreparedAttackKind =
  'payload' | 'manifest' | 'signature-removed' | 'untrusted-key' | 'other-hardware' | 'downgrade' | 'truncated' | 'custom'

export interface PreparedAttack {
  name: string
  file: string
  description: string
  /** Default `custom` (filled in by the schema; optional for profiles written in code). */
  kind?: PreparedAttackKind
  /** What the device must do with it; only rejection is meaningful for an attack. */
  expect: 'rejected'
  /** Companion files, as the valid image has them. */
  parts?: Record<string, string>
}

export interface ImageSet {
  /**
   * `ts701`: the reference format (the harness can parse and re-sign it); `raw`: unknown bytes;
   * `detached`: a JSON manifest (the main file) with a `payload` and a detached `signature` over the
   * manifest as parts, read and edited where `detached` points; `mender`: a signed Mender artifact
   * (format version 3); `swu`: a signed SWUpdate image (cpio with `sw-description` and its signature);
   * `rauc`: a signed RAUC bundle in the plain format.
   */
  format: 'ts701' | 'raw' | 'detached' | 'mender' | 'swu' | 'rauc'
  /** `detached` only (and required there): where the manifest keeps its facts, and how it is signed. */
  detached?: DetachedLayout
  valid: ImageRef
  older?: ImageRef
  /**
   * The genuine image of the version the device runs at the start. Once the valid image is
   * installed it is offered again: the device must refuse to go back to it.
   */
  baseline?: ImageRef
  /**
   * The vendor's signing certificate and key, where the lab holds them (a development key the
   * device trusts): a changed field re-signed with it leaves only the device's check on that field.
   */
  vendorSigner?: { keyFile: string; certFile?: string }
  /** `raw` only: byte ranges of the valid image its signature covers, as the lab declares them. */
  signedRanges?: ByteRange[]
  attacks: PreparedAttack[]
}

/** How a detached manifest is laid out and signed. */
export interface DetachedLayout {
  /** JSON pointers into the manifest; `payloadSha256` is required. */
  manifest: {
    payloadSha256: string
    payloadSize?: string
    version?: string
    versionCounter?: string
    hardwareId?: string
    keyId?: string
  }
  /** The scheme signing keys of the ts701 format use too; `encoding` defaults to `binary` in the schema. */
  signature: { algorithm: 'ecdsa-p256-sha256' | 'rsa-pss-3072-sha256'; encoding: 'binary' | 'base64' }
}

/** `length` bytes of a file from `offset` (counted from 0). */
export interface ByteRange {
  offset: number
  length: number
}

// --- observe: facts the device reports to its server, over MQTT or by a lab probe ---------------

/**
 * Where a fact is read. `operation`: the device operation (identify, read-outcome); `server`: a
 * request the device made to the update-server emulator; `mqtt`: a message it published; `console`:
 * a line it printed on its serial console; `probe`: a lab command (`$defs/command`) whose output or
 * exit code tells.
 */
export type ObserveSource = 'operation' | 'server' | 'mqtt' | 'console' | 'probe'

/**
 * One value of a request or message: a JSON pointer into its JSON body, a regular expression over
 * its text (a named or numbered group, else the first group or the whole match), or (requests to
 * the emulator only) a query parameter or a request header.
 */
export type ObserveExtract = { pointer: string } | { regex: string; group?: string } | { query: string } | { header: string }

/** Which requests to the emulator: the routes that answered them, or a method and path pattern. */
export interface ServerMatch {
  routes?: string[]
  /** Upper case; any method when absent. */
  method?: string
  /** Exact path, or a pattern with `:name` segments and a trailing `*`, as routes write it. */
  path?: string
}

export type OperationFact = { from: 'operation' }
export type ServerFact = ServerMatch & { from: 'server'; timeoutMs: number }
/** `topic` is a subscription filter (`+` and `#` allowed). */
export type MqttFact = { from: 'mqtt'; topic: string; timeoutMs: number }
export type ProbeFact = { from: 'probe'; command: CommandSpec }
/**
 * `match` is a regular expression over each line the device prints; only matching lines count.
 * Without `extract`, the match's named groups carry the values (`version`, `model`, `state`, `detail`).
 */
export type ConsoleFact = { from: 'console'; match: string; timeoutMs: number }

/**
 * The installed software version (or, as `observe.model`, the model designation); `extract` absent
 * on a probe means its whole output, trimmed, on a console line the group named after the fact.
 */
export type VersionFact =
  | OperationFact
  | ((ServerFact | MqttFact) & { extract: ObserveExtract })
  | (ProbeFact & { extract?: ObserveExtract })
  | (ConsoleFact & { extract?: ObserveExtract })

/** Where the state (mapped through `states`, compared as text), version and detail of a report are. */
export interface ObserveOutcomeExtract {
  state: ObserveExtract
  version?: ObserveExtract
  detail?: ObserveExtract
}

/** The result of an installation, as the device reports it. A probe is repeated every `intervalMs`. */
export type OutcomeFact =
  | OperationFact
  | ((ServerFact | MqttFact | (ProbeFact & { intervalMs: number; timeoutMs: number })) & {
      extract: ObserveOutcomeExtract
      states: OutcomeStates
    })
  | (ConsoleFact & { extract?: ObserveOutcomeExtract; states: OutcomeStates })

/** What counts as an update check (5.3-5). Without it: every request to a route that does not serve the image. */
export type ChecksFact = (ServerMatch & { from: 'server' }) | { from: 'mqtt'; topic: string } | { from: 'console'; match: string }

/** Whether the device still works: it answers identify, made a request, published, printed a line (matching `match`, when given), or the probe exits 0. */
export type AliveFact = OperationFact | ServerFact | MqttFact | ProbeFact | { from: 'console'; match?: string; timeoutMs: number }

/** The broker of `from: mqtt` facts; by default the MQTT adapter's own. Loopback only. */
export interface ObserveBroker {
  url: string
  username?: string
  passwordEnv?: string
  clientId?: string
}

/**
 * How the device names itself in a request to the update server: a query parameter, a request
 * header (credential headers are masked when recorded, so they cannot name it), or a `:name`
 * segment of a path pattern the request path starts with (hawkBit's `/:tenant/controller/v1/:controllerId`).
 * `equals` is the value that is this device.
 */
export type ServerIdentity =
  { query: string; equals: string } | { header: string; equals: string } | { path: string; param: string; equals: string }

/**
 * `observe.identity`: the device's own name in its traffic, so that other clients of the lab's
 * update server (a second device, a script, a browser) are not taken for it.
 */
export interface ObserveIdentity {
  /** Any one of them present in a request decides whether it is the device's. */
  server: ServerIdentity[]
  /** Requests that carry none of them: left out as strangers' (default) or taken as the device's. */
  unnamed?: 'stranger' | 'device'
}

/**
 * `observe`: where the facts the judges rest on are read, for devices that report them only to
 * their update server, over MQTT or on a lab probe. A fact left out is read through the device
 * operation where the channel declares it (identify for version and alive, read-outcome for the
 * outcome) and is not observed otherwise.
 */
export interface ObserveSection {
  mqtt?: ObserveBroker
  /** How the device names itself; without it every client of the update server counts as the device. */
  identity?: ObserveIdentity
  version?: VersionFact
  /** The model designation (5.3-16), from the same sources as the version. */
  model?: VersionFact
  outcome?: OutcomeFact
  checks?: ChecksFact
  alive?: AliveFact
}
