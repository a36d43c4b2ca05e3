import { loadDutProfile } from '../adapters/index.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import { imageFactFindings } from '../harness/image-facts.ts'
import { prepare } from '../harness/run.ts'
import { materialFindings } from '../profile/material.ts'
import { EXIT } from './exit.ts'
import { printFindings, type Output } from './output.ts'

/**
 * Checks documents only: schemas, references, catalog coverage, ICS against IXIT, and with `dut`
 * the DUT profile too (schema, templates, observations, bench steps), as a run would load it.
 */
export async function lint(
  dir: string,
  options: { standard?: string; maxDocumentBytes?: number },
  io: Output,
  dut?: string,
): Promise<number> {
  const { findings } = await prepare(dir, options)
  const limits = options.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: options.maxDocumentBytes }
  const profile = dut ? await loadDutProfile(dut, limits) : undefined
  if (profile && (!profile.profile || hasErrors(profile.findings))) throw new InvalidAssessmentError([...findings, ...profile.findings])
  // What the named files hold (certificates, keys, images), as a run checks it before any device step.
  const material = profile?.files && profile.locate ? await materialFindings(profile.files, profile.locate) : []
  if (hasErrors(material)) throw new InvalidAssessmentError([...findings, ...(profile?.findings ?? []), ...material])
  const told = profile?.profile && profile.locate ? await imageFactFindings(profile.profile, profile.locate) : []
  const all = [...findings, ...(profile?.findings ?? []), ...material, ...told]
  printFindings(all, io)
  const warnings = all.filter((f) => f.severity === 'warning').length
  const what = dut ? `${dir} and ${dut}` : dir
  io.out(`${what}: no errors${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`)
  return EXIT.ok
}
