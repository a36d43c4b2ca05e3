import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import type { Finding } from '../ixit/types.ts'
import { prepare } from '../harness/run.ts'
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
  const all = [...findings, ...(dut ? await profileFindings(dut, options, findings) : [])]
  printFindings(all, io)
  const warnings = all.filter((f) => f.severity === 'warning').length
  const suggested = all.filter((f) => f.code === 'suggested-fact').length
  const what = dut ? `${dir} and ${dut}` : dir
  io.out(`${what}: no errors${plural(warnings, 'warning')}${plural(suggested, 'suggested fact')}${suggested ? ' to confirm' : ''}`)
  return EXIT.ok
}

/** The DUT profile's findings; the adapters and image formats load only when there is a profile to check. */
async function profileFindings(dut: string, options: { maxDocumentBytes?: number }, before: Finding[]): Promise<Finding[]> {
  const [{ loadDutProfile }, { materialFindings }, { imageFactFindings }] = await Promise.all([
    import('../adapters/index.ts'),
    import('../profile/material.ts'),
    import('../harness/image-facts.ts'),
  ])
  const limits = options.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: options.maxDocumentBytes }
  const profile = await loadDutProfile(dut, limits)
  if (!profile.profile || hasErrors(profile.findings)) throw new InvalidAssessmentError([...before, ...profile.findings])
  // What the named files hold (certificates, keys, images), as a run checks it before any device step.
  const material = profile.files && profile.locate ? await materialFindings(profile.files, profile.locate) : []
  if (hasErrors(material)) throw new InvalidAssessmentError([...before, ...profile.findings, ...material])
  const told = profile.locate ? await imageFactFindings(profile.profile, profile.locate) : []
  return [...profile.findings, ...material, ...told]
}

const plural = (n: number, what: string): string => (n ? `, ${n} ${what}${n === 1 ? '' : 's'}` : '')
