import type { Operation, SettingChange } from '../core/dut.ts'
import type { SourceRef } from '../ixit/types.ts'

/**
 * The DUT profile (`dut.yaml`): how the lab reaches one particular device, declared without
 * code. A real device with its own API is one profile away from the reference DUT. The adapter
 * kind (HTTP, MQTT, serial console) decides the shape of the operation map; everything else is
 * the same for every channel.
 */
export type DutProfile = HttpDutProfile | MqttDutProfile | SerialDutProfile

export interface HttpDutProfile extends DutProfileCommon {
  adapter: HttpAdapterConfig
  operations: OperationMap
}

export interface MqttDutProfile extends DutProfileCommon {
  adapter: MqttAdapterConfig
  operations: MqttOperationMap
}

export interface SerialDutProfile extends DutProfileCommon {
  adapter: SerialAdapterConfig
  operations: SerialOperationMap
}

/** Timeouts every adapter has: one default and per-operation overrides, in milliseconds. */
export interface AdapterTimeouts {
  defaultMs: number
  operations: Partial<Record<Operation, number>>
}

export interface DutProfileCommon {
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
  source: SourceRef
}

export interface HttpAdapterConfig {
  kind: 'http'
  /** e.g. `http://127.0.0.1:8701`. Only loopback hosts are accepted. */
  baseUrl: string
  auth?:
    | { kind: 'basic'; username: string; passwordEnv: string }
    | { kind: 'bearer'; tokenEnv: string }
    | { kind: 'header'; name: string; valueEnv: string }
  tls?: { caFile?: string; serverName?: string; insecureSkipVerify?: boolean }
  /** Tolerate sloppy embedded servers: malformed headers, wrong Content-Length, early replies. */
  lenient: boolean
  timeouts: AdapterTimeouts
}

/** How to pull one value out of an answer. */
export type Extract =
  | { pointer: string }
  | { regex: string; group?: string }
  | { header: string }

export interface RequestTemplate {
  method: string
  /** Path (and query) relative to the base URL; `{{…}}` placeholders allowed. */
  path: string
  headers?: Record<string, string>
  /** Body template; `{{image.url}}`, `{{image.version}}`, `{{image.sha256}}`, `{{image.size}}`. */
  body?: string
}

export interface OperationMap {
  identify?: { request: RequestTemplate; extract: { model: Extract; version: Extract } }
  'read-settings'?: { request: RequestTemplate; extract: { automaticUpdates?: Extract; notifications?: Extract } }
  'change-settings'?: Partial<Record<SettingChange, RequestTemplate>>
  'deliver-image'?: {
    /** `raw`: the image is the body; `multipart`: a form field; `url`: the device is told where to fetch it. */
    mode: 'raw' | 'multipart' | 'url'
    request: RequestTemplate
    field?: string
    extract?: { accepted?: Extract; message?: Extract }
  }
  'read-outcome'?: OutcomeConfig
  'read-notifications'?: { request: RequestTemplate; extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract } }
  'check-now'?: { request: RequestTemplate }
  reboot?: { request: RequestTemplate; readyTimeoutMs: number }
  'factory-reset'?: { request: RequestTemplate; readyTimeoutMs: number }
  restore?: { request: RequestTemplate; readyTimeoutMs: number }
}

/** Which raw values mean which outcome, e.g. `installed: [installed, success]`. */
export interface OutcomeStates {
  installed: string[]
  rejected: string[]
  pending: string[]
}

export type OutcomeConfig =
  | { mode: 'poll'; request: RequestTemplate; extract: { state: Extract; version?: Extract; detail?: Extract }; states: OutcomeStates; intervalMs: number; timeoutMs: number }
  | { mode: 'sse'; request: RequestTemplate; event?: string; extract: { state: Extract; version?: Extract; detail?: Extract }; states: OutcomeStates; timeoutMs: number }
  | { mode: 'websocket'; path: string; extract: { state: Extract; version?: Extract; detail?: Extract }; states: OutcomeStates; timeoutMs: number }
  /** No outcome API: wait, then compare the version `identify` reports (after the device restarts). */
  | { mode: 'version'; settleMs: number; timeoutMs: number }

export interface MechanismDrive {
  /** `update-server`: the DUT fetches from the emulator; `deliver-image`: the lab pushes it. */
  via: 'update-server' | 'deliver-image'
}

export interface UpdateServerConfig {
  host: string
  port: number
  /** The certificate the DUT trusts for its update server; absent means plain HTTP. */
  tls?: { certFile: string; keyFile: string; caCertFile?: string; caKeyFile?: string }
  /** The poll interval the emulator announces, ISO-8601 duration in device time. */
  pollInterval?: string
  /** Where the emulator serves the offered image; `{{image.name}}` is replaced. */
  imagePath: string
  routes: EmulatorRoute[]
}

/**
 * One answer of the update-server emulator. Routes are tried in order; the first whose method,
 * path and conditions match answers.
 */
export interface EmulatorRoute {
  name: string
  method: string
  /** Exact path, or a pattern with `:name` segments and a trailing `*`. Query strings are ignored. */
  path: string
  /** Only while the running unit offers an image (`offering`) or offers none (`idle`). */
  when?: 'offering' | 'idle'
  /** Only after / until a request matching the named route has been seen. */
  afterSeen?: string
  untilSeen?: string
  status: number
  headers?: Record<string, string>
  /** Body template, or `serve: image` to stream the image under test. */
  body?: string
  serve?: 'image'
}

export interface ImageRef {
  file: string
  version: string
}

export interface PreparedAttack {
  name: string
  file: string
  description: string
  /** What the device must do with it; only rejection is meaningful for an attack. */
  expect: 'rejected'
}

export interface ImageSet {
  /** `ts701`: the reference format (the harness can parse and re-sign it); `raw`: unknown bytes. */
  format: 'ts701' | 'raw'
  valid: ImageRef
  older?: ImageRef
  attacks: PreparedAttack[]
}

// --- MQTT ---------------------------------------------------------------------------------------

export interface MqttAdapterConfig {
  kind: 'mqtt'
  /** Broker URL: `mqtt://`, `mqtts://` or `ws://` on a loopback host. */
  url: string
  clientId?: string
  auth?: { username: string; passwordEnv: string }
  /** For `mqtts://`: the CA to trust, and a client certificate and key where the broker wants one. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string }
  /** QoS of publishes and subscriptions unless an exchange says otherwise. */
  qos: 0 | 1 | 2
  timeouts: AdapterTimeouts
}

/**
 * A message ts701 publishes. Payload templates know `{{requestId}}` (fresh per exchange, for
 * correlating the reply) and, for deliveries, the `{{image.…}}` placeholders.
 */
export interface MqttPublish {
  topic: string
  payload: string
  qos?: 0 | 1 | 2
  retain?: boolean
}

/** The message that answers an exchange: the first on `topic` (a filter) that matches. */
export interface MqttReply {
  topic: string
  /** JSON pointer whose value must equal the (templated) string, or a regex over the payload. */
  match?: { pointer: string; equals: string } | { regex: string }
  /** Accept a retained message already on the topic (state topics), instead of waiting for a new one. */
  retained?: boolean
}

/** Publish (optional) then await the reply (optional), extracting values from the reply. */
export interface MqttExchange {
  publish?: MqttPublish
  reply?: MqttReply
}

export interface MqttOperationMap {
  identify?: MqttExchange & { reply: MqttReply; extract: { model: Extract; version: Extract } }
  'read-settings'?: MqttExchange & { reply: MqttReply; extract: { automaticUpdates?: Extract; notifications?: Extract } }
  'change-settings'?: Partial<Record<SettingChange, MqttExchange & { publish: MqttPublish }>>
  'deliver-image'?:
    /** The device is told where to fetch the image (served by the update-server emulator). */
    | (MqttExchange & { mode: 'url'; publish: MqttPublish; extract?: { accepted?: Extract; message?: Extract } })
    /**
     * The image itself goes over MQTT in chunks: `begin`, then one message per chunk on `topic`
     * (`{{chunk.index}}`, `{{chunk.total}}` in the topic; payload raw or base64), then `end`.
     */
    | {
      mode: 'chunks'
      begin?: MqttPublish
      topic: string
      chunkBytes: number
      encoding: 'binary' | 'base64'
      end?: MqttPublish
      reply?: MqttReply
      extract?: { accepted?: Extract; message?: Extract }
    }
  'read-outcome'?: { publish?: MqttPublish; reply: MqttReply; extract: { state: Extract; version?: Extract; detail?: Extract }; states: OutcomeStates; timeoutMs: number }
  'read-notifications'?: MqttExchange & { reply: MqttReply; extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract } }
  'check-now'?: MqttExchange & { publish: MqttPublish }
  reboot?: MqttExchange & { publish: MqttPublish; readyTimeoutMs: number }
  'factory-reset'?: MqttExchange & { publish: MqttPublish; readyTimeoutMs: number }
  restore?: MqttExchange & { publish: MqttPublish; readyTimeoutMs: number }
}

// --- serial console -----------------------------------------------------------------------------

export interface SerialAdapterConfig {
  kind: 'serial'
  /** A device path (`/dev/ttyUSB0`, a pseudo-terminal) or `tcp://host:port` (raw, as ser2net exports it). */
  port: string
  baudRate: number
  dataBits: 5 | 6 | 7 | 8
  parity: 'none' | 'even' | 'odd'
  stopBits: 1 | 2
  /** What ts701 sends at the end of a command line. */
  lineEnding: '\r\n' | '\n' | '\r'
  /** Regex for the console prompt, which marks the end of an answer when an exchange has no `expect`. */
  prompt?: string
  /** Console login, where the device asks for one; the password comes from the environment. */
  login?: { username: string; passwordEnv: string; userPrompt: string; passwordPrompt: string }
  timeouts: AdapterTimeouts
}

/**
 * One command and what answers it. `expect` is a regex over the cleaned console output (echo,
 * ANSI sequences and CR/LF variants removed) with named groups for the values to extract.
 */
export interface SerialExchange {
  send: string
  expect: string
  timeoutMs?: number
}

export interface SerialOperationMap {
  /** Named groups `model` and `version`. */
  identify?: SerialExchange
  /** Named groups `automaticUpdates` and/or `notifications` (on/off, true/false, 1/0, enabled/disabled). */
  'read-settings'?: SerialExchange
  'change-settings'?: Partial<Record<SettingChange, SerialExchange>>
  'deliver-image'?:
    | { mode: 'url'; exchange: SerialExchange }
    /** `begin` (with `{{image.size}}`, `{{image.sha256}}`), base64 lines of `lineBytes` input bytes each, then `end`. */
    | { mode: 'base64-lines'; begin: SerialExchange; lineBytes: number; end: SerialExchange }
    /** `begin` announces the length; the raw bytes follow; `end` collects the device's verdict. */
    | { mode: 'raw'; begin: SerialExchange; end: SerialExchange }
  /** Named groups `state` and optionally `version`, `detail`. */
  'read-outcome'?: SerialExchange & { states: OutcomeStates; intervalMs: number; timeoutMs: number }
  /** `item` matches one notification line (groups `text`, optional `kind`, `time`); `end` closes the list. */
  'read-notifications'?: { send: string; item: string; end: string; timeoutMs?: number }
  'check-now'?: SerialExchange
  reboot?: SerialExchange & { readyTimeoutMs: number }
  'factory-reset'?: SerialExchange & { readyTimeoutMs: number }
  restore?: SerialExchange & { readyTimeoutMs: number }
}
