/**
 * Loads a DUT profile (`dut.yaml` / `dut.json`): how the lab reaches one device. Problems come
 * back as findings in the format of the assessment documents (file:line:column, pointer, one
 * line), all of them at once. Environment variables the profile names are not read here: a
 * missing credential is a matter of the run (INCONCLUSIVE), not of the document.
 *
 * Which channels exist is the caller's business (adapters/registry.ts); see loadDutProfile.
 */
import { stat } from 'node:fs/promises'
import { dedupeFindings, finding, hasErrors, sortFindings } from '../ixit/findings.ts'
import { readSource, toPointer, type SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import { buildProfile } from './build.ts'
import type { ChannelDescriptor, ProfileOf } from './channel.ts'
import { checkProfile } from './checks.ts'
import { filePatterns, filesOf, type ProfileFile } from './files.ts'
import { validateProfile } from './schema.ts'
import type { DutProfile } from './types.ts'

export interface ProfileLoadResult<P extends DutProfile = DutProfile> {
  /** Present iff there is no error-level finding. */
  profile?: P
  findings: Finding[]
  /** Where a path of the profile's YAML sits, for findings made later (e.g. on the images' own facts). */
  locate?: SourceDoc['locate']
}

export async function loadProfile<C extends ChannelDescriptor>(
  file: string,
  channels: readonly C[],
): Promise<ProfileLoadResult<ProfileOf<C>>> {
  try {
    return await load(file, channels)
  } catch (err) {
    // A loader bug must still reach the user as a finding, not as a stack trace.
    const message = err instanceof Error ? err.message : String(err)
    return { findings: [finding('error', 'internal-error', { file, line: 1, column: 1 }, `cannot load DUT profile: ${message}`)] }
  }
}

async function load<C extends ChannelDescriptor>(file: string, channels: readonly C[]): Promise<ProfileLoadResult<ProfileOf<C>>> {
  const parsed = await readSource(file)
  const findings = [...parsed.findings]
  const done = (profile?: ProfileOf<C>): ProfileLoadResult<ProfileOf<C>> => {
    const sorted = sortFindings(dedupeFindings(findings))
    const located = parsed.doc ? { locate: parsed.doc.locate } : {}
    return profile && !hasErrors(sorted) ? { profile, findings: sorted, ...located } : { findings: sorted, ...located }
  }
  if (!parsed.doc) return done()

  // Schema, semantic and file checks all run, so every problem is reported in one round.
  const { data: filled, findings: schemaFindings } = validateProfile(parsed.doc, channels)
  findings.push(...schemaFindings)
  findings.push(...checkProfile(parsed.doc, channels))
  findings.push(...(await missingFiles(parsed.doc, filesOf(file, parsed.doc.value, filePatterns(channels, parsed.doc.value)))))
  return done(filled ? buildProfile(file, parsed.doc.locate([]), filled, channels) : undefined)
}

async function missingFiles(doc: SourceDoc, files: readonly ProfileFile[]): Promise<Finding[]> {
  const problems = await Promise.all(
    files.map(async (f) => {
      const what = await stat(f.resolved).then(
        (s) => (s.isFile() ? undefined : 'is not a file'),
        (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`),
      )
      if (!what) return []
      const where = f.resolved === f.written ? '' : ` (resolved to ${f.resolved})`
      return [finding('error', 'missing-file', doc.locate(f.path), `file "${f.written}"${where} ${what}`, toPointer(f.path))]
    }),
  )
  return problems.flat()
}
