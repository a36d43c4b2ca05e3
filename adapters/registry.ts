/**
 * The channels ts701 drives a device through, one line each. A channel is a folder
 * adapters/<kind>/ whose profile.ts exports its descriptor (profile types, schema part, checks,
 * secrets, adapter); listing it here is all the rest of ts701 needs (then `npm run schema`).
 */
import type { ProfileOf } from '../profile/channel.ts'
import { http } from './http/profile.ts'
import { mqtt } from './mqtt/profile.ts'
import { none } from './none/profile.ts'
import { serial } from './serial/profile.ts'

export const CHANNELS = [http, mqtt, serial, none] as const

export type ChannelKind = (typeof CHANNELS)[number]['kind']

/** A loaded profile of one of the registered channels; narrows by `adapter.kind`. */
export type RegisteredDutProfile = ProfileOf<(typeof CHANNELS)[number]>
