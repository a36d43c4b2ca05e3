import type { Operation, SettingChange } from '../adapters/dut.ts'
import type { SourceRef } from './types.ts'

/**
 * The DUT profile (`dut.yaml`): how the lab reaches one particular device, declared without
 * code. A real device with its own API is one profile away from the reference DUT.
 */
export interface DutProfile {
  file: string
  name: string
  adapter: HttpAdapterConfig
  /** Device seconds per real second: 1 for real devices; the simulator compresses days. */
  timeScale: number
  /** How long 5.3-5 watches for update checks, in real seconds. */
  observationSeconds: number
  operations: OperationMap
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
  timeouts: { defaultMs: number; operations: Partial<Record<Operation, number>> }
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
