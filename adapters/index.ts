/**
 * The DUT profile and its adapter, for the registered channels (adapters/registry.ts): load a
 * profile, create the `Dut` it names, find the secrets it draws from the environment.
 */
import type { Dut } from '../core/dut.ts'
import type { DutOptions } from '../profile/channel.ts'
import type { ProfileLoadOptions, ProfileLoadResult } from '../profile/load.ts'
import { bindChannels } from '../profile/registry.ts'
import type { DutProfile } from '../profile/types.ts'
import { CHANNELS, type RegisteredDutProfile } from './registry.ts'

export type { DutOptions } from '../profile/channel.ts'
export type { ChannelKind, RegisteredDutProfile } from './registry.ts'

const channels = bindChannels(CHANNELS)

export function loadDutProfile(file: string, options?: ProfileLoadOptions): Promise<ProfileLoadResult<RegisteredDutProfile>> {
  return channels.load(file, options)
}

/** The adapter the profile names: the suites see the same `Dut` whatever the channel. */
export function createDut(profile: DutProfile, options: DutOptions): Promise<Dut> {
  return channels.create(profile, options)
}

/** The secret values a profile draws from the environment, so evidence can mask them anywhere. */
export function profileSecrets(profile: DutProfile, env: NodeJS.ProcessEnv = process.env): string[] {
  return channels.secrets(profile, env)
}
