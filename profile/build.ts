/**
 * Turns the validator's copy of a schema-valid DUT profile (the schema's defaults filled in) into
 * the loaded profile: file paths resolved against the profile's folder so they work from the
 * current directory. Nothing here knows a default or a channel; the schema and descriptors do.
 */
import type { SourceRef } from '../ixit/types.ts'
import type { ChannelDescriptor, ProfileOf } from './channel.ts'
import { filePatterns, resolveFiles } from './files.ts'

export function buildProfile<C extends ChannelDescriptor>(
  file: string,
  source: SourceRef,
  filled: unknown,
  channels: readonly C[],
): ProfileOf<C> {
  const value = filled as { $schema?: string }
  resolveFiles(file, value, filePatterns(channels, value))
  // Only editors read $schema.
  const { $schema: _, ...profile } = value
  // The schema (with its defaults) describes exactly the profile types; the loader tests compare
  // loaded profiles with them, since neither ajv nor TypeScript can relate the two.
  return { file, ...profile, source } as unknown as ProfileOf<C>
}
