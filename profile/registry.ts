/**
 * What ts701 does with a list of channels: load profiles of their kinds, compose their schema,
 * create the adapter a profile names and find its secrets. adapters/index.ts binds the registered
 * channels; a test can bind its own list the same way.
 */
import type { AnySchemaObject } from 'ajv'
import type { Dut } from '../core/dut.ts'
import { channelFor, type ChannelDescriptor, type DutOptions, type ProfileOf } from './channel.ts'
import type { ProfileLoadOptions, ProfileLoadResult } from './load.ts'
import type { DutProfile } from './types.ts'

export interface Channels<P extends DutProfile> {
  load(file: string, options?: ProfileLoadOptions): Promise<ProfileLoadResult<P>>
  schema(): Promise<AnySchemaObject>
  create(profile: DutProfile, options: DutOptions): Promise<Dut>
  /** The secret values the profile draws from `env`, so evidence can mask them anywhere. */
  secrets(profile: DutProfile, env?: NodeJS.ProcessEnv): string[]
}

export function bindChannels<C extends ChannelDescriptor>(channels: readonly C[]): Channels<ProfileOf<C>> {
  // Each descriptor takes its own profile type; the kind lookup is what makes the call right.
  const of = (profile: DutProfile): ChannelDescriptor => {
    const channel = channelFor<ChannelDescriptor>(channels, profile.adapter.kind)
    if (!channel) throw new Error(`no channel "${profile.adapter.kind}" is registered (${channels.map((c) => c.kind).join(', ')})`)
    return channel
  }
  return {
    // The loader (YAML, the schema validator) only where a profile is read: a run's worker creates
    // the adapter of a profile the CLI loaded, and needs none of it.
    load: async (file, options) => (await import('./load.ts')).loadProfile(file, channels, options),
    schema: async () => (await import('./schema.ts')).composeProfileSchema(channels),
    create: async (profile, options) => of(profile).create(profile, options),
    // The observation broker's password is a secret of the profile like the adapter's own.
    secrets: (profile, env = process.env) =>
      [...of(profile).secretEnv(profile.adapter), profile.observe?.mqtt?.passwordEnv].flatMap((name) =>
        name && env[name] ? [env[name]] : [],
      ),
  }
}
