import { join, resolve } from 'node:path'
import { deriveAttacks } from '../fixtures/attacks.ts'
import { hashFile } from '../fixtures/hash.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import { loadProfile } from '../profile/load.ts'
import type { DutProfile, ImageRef } from '../profile/types.ts'
import type { Finding } from '../ixit/types.ts'
import { CONTROL_VARIANT, type LabPayload } from './functional.ts'

export interface PreparedLab {
  lab: LabPayload
  profile: DutProfile
  findings: Finding[]
  /** Variant names of the attack campaign, in delivery order, for the plan. */
  variants: string[]
}

async function source(ref: ImageRef, name: string) {
  const { sha256, size } = await hashFile(ref.file)
  return { name, path: ref.file, size, sha256 }
}

/**
 * Loads the DUT profile and derives the attack images from the supplier's valid image, before
 * any suite runs: the plan lists one unit per attack, and the workers only read the files.
 */
export async function prepareLab(profileFile: string, out: string): Promise<PreparedLab> {
  const { profile, findings } = await loadProfile(profileFile)
  if (!profile || hasErrors(findings)) throw new InvalidAssessmentError(findings)
  const workDir = resolve(out, 'work')
  const images = profile.images
  const attacks = images
    ? await deriveAttacks({
      format: images.format,
      valid: await source(images.valid, 'valid-image'),
      workDir: join(workDir, 'attacks'),
      ...(images.older && { older: await source(images.older, 'older-image') }),
      prepared: images.attacks.map((a) => ({ name: a.name, description: a.description, path: a.file })),
    })
    : []
  const lab: LabPayload = {
    profileFile: resolve(profileFile),
    evidenceFile: resolve(out, 'evidence', 'exchanges.jsonl'),
    workDir,
    attacks: attacks.map((a) => ({ ...a.image, name: a.name, description: a.description, kind: a.kind })),
  }
  return { lab, profile, findings, variants: attacks.length ? [...attacks.map((a) => a.name), CONTROL_VARIANT] : [] }
}
