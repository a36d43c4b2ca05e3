/** The DUT profile each mode writes: what a lab would declare for such a device. */
import type { ChannelInput, ProfileInput, WrittenProfile } from '../profile.ts'
import { consoleProfile } from './console.ts'
import { detachedProfile } from './detached.ts'
import { hawkbitProfile } from './hawkbit.ts'
import type { Mode } from './index.ts'
import { jobsProfile } from './jobs.ts'
import { pullProfile } from './pull.ts'

type ModeProfile = (input: ProfileInput, reach: ChannelInput) => WrittenProfile

export const MODE_PROFILES: Record<Exclude<Mode, 'api'>, ModeProfile> = {
  pull: pullProfile,
  hawkbit: hawkbitProfile,
  jobs: jobsProfile,
  console: consoleProfile,
  detached: detachedProfile,
}
