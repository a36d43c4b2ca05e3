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
  /** Where the document starts; not written in the document. */
  source: SourceRef
}

/** How to pull one value out of an answer (channels without headers reject `header`). */
export type Extract =
  | { pointer: string }
  | { regex: string; group?: string }
  | { header: string }

/** Which raw values mean which outcome, e.g. `installed: [installed, success]`. */
export interface OutcomeStates {
  installed: string[]
  rejected: string[]
  pending: string[]
}

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
