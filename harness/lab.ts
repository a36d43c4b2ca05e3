import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadDutProfile, profileSecrets } from '../adapters/index.ts'
import type { OutputFile } from '../core/verdict.ts'
import { deriveAttacks } from '../fixtures/attacks.ts'
import { imageSource } from '../fixtures/source.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { finding, hasErrors } from '../ixit/findings.ts'
import { toPointer } from '../ixit/pointer.ts'
import type { SourceDoc } from '../ixit/source.ts'
import { materialFindings } from '../profile/material.ts'
import { AttackDerivationError } from '../fixtures/attack-types.ts'
import { ImageFormatError } from '../fixtures/image.ts'
import type { ProfileLoadOptions } from '../profile/load.ts'
import type { DutProfile } from '../profile/types.ts'
import type { Finding } from '../ixit/types.ts'
import { CONTROL_VARIANT, type LabPayload } from './functional.ts'
import { imageFactFindings } from './image-facts.ts'

export interface PreparedLab {
  lab: LabPayload
  findings: Finding[]
  /** Variant names of the attack campaign, in delivery order, for the plan. */
  variants: string[]
  /** The evidence log, relative to the output folder. */
  evidence: OutputFile
}

/** Where the evidence log goes inside the output folder (forward slashes, as results.json lists it). */
const EVIDENCE: OutputFile = { path: 'evidence/exchanges.jsonl', kind: 'evidence' }

/**
 * The variables of `env` the profile names as credentials. `profileSecrets` is the one place
 * that knows which fields name variables, so each variable is offered to it on its own.
 */
function credentials(profile: DutProfile, env: NodeJS.ProcessEnv): Record<string, string> {
  const named = Object.entries(env).filter(
    (e): e is [string, string] => e[1] !== undefined && profileSecrets(profile, { [e[0]]: e[1] }).length > 0,
  )
  return Object.fromEntries(named)
}

/**
 * A valid image that does not parse as its format stops the derivation with the parser's words
 * alone; the finding names the field and the file, so the lab knows which file to fix.
 */
function namingTheImage(profile: DutProfile, locate: SourceDoc['locate'] | undefined): (err: unknown) => never {
  return (err) => {
    const images = profile.images
    if (!images || !locate || !(err instanceof ImageFormatError || err instanceof AttackDerivationError)) throw err
    const signer = err.message.startsWith('images.vendorSigner')
    const path = signer ? ['images', 'vendorSigner'] : ['images', 'valid', 'file']
    const what = signer ? err.message : `file "${images.valid.file}" is not a usable ${images.format} image: ${err.message}`
    throw new InvalidAssessmentError([finding('error', 'bad-image', locate(path), what, toPointer(path))])
  }
}

/**
 * Loads the DUT profile, picks its credentials from `env` and derives the attack images from the
 * supplier's valid image, before any suite runs: the plan lists one unit per attack, and the
 * workers get the profile and the credentials as data and only read the files.
 */
export async function prepareLab(
  profileFile: string,
  out: string,
  env: NodeJS.ProcessEnv,
  limits: ProfileLoadOptions = {},
): Promise<PreparedLab> {
  const { profile, findings, locate, files } = await loadDutProfile(profileFile, limits)
  if (!profile || hasErrors(findings)) throw new InvalidAssessmentError(findings)
  // Certificates, keys and images are the lab's: a bad one stops the run here, before any device step.
  const material = files && locate ? await materialFindings(files, locate) : []
  if (hasErrors(material)) throw new InvalidAssessmentError([...findings, ...material])
  const workDir = resolve(out, 'work')
  const images = profile.images
  const attacks = images
    ? await deriveAttacks({
        format: images.format,
        valid: await imageSource(images.valid, 'valid-image'),
        workDir: join(workDir, 'attacks'),
        ...(images.detached && { detached: images.detached }),
        ...(images.older && { older: await imageSource(images.older, 'older-image') }),
        ...(images.baseline && { previous: await imageSource(images.baseline, 'baseline-image') }),
        prepared: images.attacks.map((a) => ({
          name: a.name,
          description: a.description,
          path: a.file,
          kind: a.kind,
          ...(a.parts && { parts: a.parts }),
        })),
        ...(images.format === 'raw' && images.signedRanges && { signedRanges: images.signedRanges }),
        ...(images.vendorSigner && {
          vendorSigner: {
            keyPem: await readFile(images.vendorSigner.keyFile, 'utf8'),
            ...(images.vendorSigner.certFile !== undefined && { certPem: await readFile(images.vendorSigner.certFile, 'utf8') }),
          },
        }),
      }).catch(namingTheImage(profile, locate))
    : []
  const lab: LabPayload = {
    profile,
    credentials: credentials(profile, env),
    evidenceFile: resolve(out, EVIDENCE.path),
    workDir,
    attacks: attacks.map((a) => ({
      ...a.image,
      name: a.name,
      description: a.description,
      kind: a.kind,
      ...(a.flip && { flip: a.flip }),
      ...(a.afterUpdate && { afterUpdate: a.afterUpdate }),
      ...(a.tamperedPart !== undefined && { tamperedPart: a.tamperedPart }),
    })),
  }
  const told = images && locate ? await imageFactFindings(profile, locate) : []
  return {
    lab,
    findings: [...findings, ...told],
    variants: attacks.length ? [...attacks.map((a) => a.name), CONTROL_VARIANT] : [],
    evidence: EVIDENCE,
  }
}
