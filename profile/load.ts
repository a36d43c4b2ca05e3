/**
 * Loads a DUT profile (`dut.yaml` / `dut.json`): how the lab reaches one device. Problems come
 * back as findings in the format of the assessment documents (file:line:column, pointer, one
 * line), all of them at once. Environment variables the profile names are not read here: a
 * missing credential is a matter of the run (INCONCLUSIVE), not of the document.
 *
 * Which channels exist is the caller's business (adapters/registry.ts); see loadDutProfile.
 */
import { dedupeFindings, finding, hasErrors, sortFindings } from '../ixit/findings.ts'
import { notADocument } from '../ixit/shape.ts'
import { readSource, type SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import { buildProfile } from './build.ts'
import type { ChannelDescriptor, ProfileOf } from './channel.ts'
import { checkProfile } from './checks.ts'
import { filePatterns, filesOf, type ProfileFile } from './files.ts'
import { fileFindings } from './file-checks.ts'
import { profileTopLevelKeys, validateProfile } from './schema.ts'
import type { DutProfile } from './types.ts'

export interface ProfileLoadResult<P extends DutProfile = DutProfile> {
  /** Present iff there is no error-level finding. */
  profile?: P
  findings: Finding[]
  /** Where a path of the profile's YAML sits, for findings made later (e.g. on the images' own facts). */
  locate?: SourceDoc['locate']
  /** The files the profile names, where they were written: for checks of their content (profile/material.ts). */
  files?: ProfileFile[]
}

export interface ProfileLoadOptions {
  /** Refuse a profile larger than this many bytes (default DEFAULT_MAX_DOCUMENT_BYTES). */
  maxDocumentBytes?: number
}

export async function loadProfile<C extends ChannelDescriptor>(
  file: string,
  channels: readonly C[],
  options: ProfileLoadOptions = {},
): Promise<ProfileLoadResult<ProfileOf<C>>> {
  try {
    return await load(file, channels, options)
  } catch (err) {
    // A loader bug must still reach the user as a finding, not as a stack trace.
    const message = err instanceof Error ? err.message : String(err)
    return { findings: [finding('error', 'internal-error', { file, line: 1, column: 1 }, `cannot load DUT profile: ${message}`)] }
  }
}

async function load<C extends ChannelDescriptor>(
  file: string,
  channels: readonly C[],
  options: ProfileLoadOptions,
): Promise<ProfileLoadResult<ProfileOf<C>>> {
  const parsed = await readSource(file, { maxBytes: options.maxDocumentBytes })
  const findings = [...parsed.findings]
  let files: ProfileFile[] | undefined
  const done = (profile?: ProfileOf<C>): ProfileLoadResult<ProfileOf<C>> => {
    const sorted = sortFindings(dedupeFindings(findings))
    const located = parsed.doc ? { locate: parsed.doc.locate } : {}
    return profile && !hasErrors(sorted)
      ? { profile, findings: sorted, ...located, ...(files && { files }) }
      : { findings: sorted, ...located }
  }
  if (!parsed.doc) return done()
  const foreign = notADocument(parsed.doc, 'a DUT profile', profileTopLevelKeys(channels))
  if (foreign) {
    findings.push(foreign)
    return done()
  }

  // Schema, semantic and file checks all run, so every problem is reported in one round.
  const { data: filled, findings: schemaFindings } = validateProfile(parsed.doc, channels)
  findings.push(...schemaFindings)
  findings.push(...checkProfile(parsed.doc, channels))
  files = filesOf(file, parsed.doc.value, filePatterns(channels, parsed.doc.value))
  findings.push(...fileFindings(parsed.doc, file, files))
  if (!filled) return done()
  // Where files may come from is the loader's concern; the loaded profile holds the files themselves.
  const { allowFiles: _, ...profile } = filled as Record<string, unknown>
  return done(buildProfile(file, parsed.doc.locate([]), profile, channels))
}
