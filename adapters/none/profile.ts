/**
 * The `none` channel: a device with no API at all (an update agent that talks only to its update
 * server, an MQTT device, a console-only A/B updater). It has no operations; the profile's
 * `observe` section says where its version and outcomes are read. Registering it is one line in
 * adapters/registry.ts, like any channel.
 */
import type { ChannelDescriptor } from '../../profile/channel.ts'
import type { AdapterTimeouts, DutProfileCommon } from '../../profile/types.ts'
import schema from './profile-schema.json' with { type: 'json' }

export interface NoneDutProfile extends DutProfileCommon {
  adapter: NoneAdapterConfig
  operations: NoneOperationMap
}

export interface NoneAdapterConfig {
  kind: 'none'
  name?: string
  /** Every adapter has them; here only the harness's per-attempt budget reads `defaultMs`. */
  timeouts: AdapterTimeouts
}

/** Always empty: the schema allows no operation. */
export type NoneOperationMap = Record<string, never>

export const none: ChannelDescriptor<NoneDutProfile> = {
  kind: 'none',
  schema,
  files: [],
  check: () => {},
  secretEnv: () => [],
  // Loaded when a run drives a device this way, not when a profile is loaded or linted.
  create: async (profile) => (await import('./index.ts')).createNoneDut(profile),
}
