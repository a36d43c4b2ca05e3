/**
 * A channel: one way of driving a device (HTTP API, MQTT, serial console, …). Each channel
 * describes its part of the DUT profile in one descriptor, kept in its adapter folder
 * (`adapters/<kind>/profile.ts`) and listed once in `adapters/registry.ts`. The loader, the
 * schema, the checks and the Dut factory take the list; nothing here names a channel.
 */
import type { AnySchemaObject } from 'ajv'
import type { Dut } from '../core/dut.ts'
import { isRecord } from '../ixit/documents.ts'
import type { EvidenceLog } from '../core/evidence.ts'
import type { Report } from './check-kit.ts'
import type { FilePattern } from './files.ts'
import type { DutProfile } from './types.ts'

export interface ChannelDescriptor<P extends DutProfile = DutProfile> {
  /** The `adapter.kind` that selects this channel. */
  readonly kind: P['adapter']['kind']
  readonly schema: ChannelSchema
  /**
   * Where the channel's part of a document names files (e.g. `['adapter', 'tls', 'caFile']`; `*`
   * for every item): the loader reports missing ones and resolves them against the profile's
   * folder. With the schema's defaults this is all it takes to build `P` from a valid document.
   */
  readonly files: readonly FilePattern[]
  /**
   * Semantic checks of `adapter` and `operations`, what the schema cannot say. Runs on documents
   * that may not be schema-valid, so every problem is reported in one round: skip values of the
   * wrong shape, the schema reports them.
   */
  check(adapter: Record<string, unknown>, operations: Record<string, unknown>, report: Report, warn: Report): void
  /** The environment variables the adapter reads secrets from, so evidence can mask their values. */
  secretEnv(adapter: P['adapter']): Array<string | undefined>
  /**
   * The adapter: the suites see the same `Dut` whatever the channel. A promise lets a descriptor
   * load its implementation (and its client library) only when a run drives a device through it:
   * loading and checking a profile needs none of it.
   */
  create(profile: P, options: DutOptions): Dut | Promise<Dut>
}

/**
 * The channel's JSON Schema parts. They become `$defs/<kind>Adapter` and `$defs/<kind>Operations`
 * of the composed schema, selected by `adapter.kind`; refs are `#/$defs/<name>` into the composed
 * schema, so a part may use the shared definitions of profile/common-schema.json.
 */
export interface ChannelSchema {
  /** Closed (`additionalProperties: false`), with `kind: { const: <kind>, description }` required. */
  adapter: AnySchemaObject
  operations: AnySchemaObject
  /** Definitions only this channel uses; names must be unique across channels. */
  $defs?: Record<string, AnySchemaObject>
}

export interface DutOptions {
  evidence: EvidenceLog
  /** Where the secrets named in the profile are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

/** The profile type a descriptor (or a union of descriptors) loads. */
export type ProfileOf<C> = C extends ChannelDescriptor<infer P> ? P : never

export function channelFor<C extends ChannelDescriptor>(channels: readonly C[], kind: unknown): C | undefined {
  return channels.find((c) => c.kind === kind)
}

/** The channel a document (valid or not) names in `adapter.kind`, if it is one of `channels`. */
export function channelOf<C extends ChannelDescriptor>(channels: readonly C[], document: unknown): C | undefined {
  const adapter = isRecord(document) ? document.adapter : undefined
  return channelFor(channels, isRecord(adapter) ? adapter.kind : undefined)
}
