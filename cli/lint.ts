import { loadDutProfile } from '../adapters/index.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { hasErrors } from '../ixit/findings.ts'
import { imageFactFindings } from '../harness/image-facts.ts'
import { prepare } from '../harness/run.ts'
import { EXIT } from './exit.ts'
import { printFindings, type Output } from './output.ts'

/**
 * Checks documents only: schemas, references, catalog coverage, ICS against IXIT, and with `dut`
 * the DUT profile too (schema, templates, observations, bench steps), as a run would load it.
 */
export async function lint(dir: string, standard: string | undefined, io: Output, dut?: string): Promise<number> {
  const { findings } = await prepare(dir, { standard })
  const profile = dut ? await loadDutProfile(dut) : undefined
  if (profile && (!profile.profile || hasErrors(profile.findings))) throw new InvalidAssessmentError([...findings, ...profile.findings])
  const told = profile?.profile && profile.locate ? await imageFactFindings(profile.profile, profile.locate) : []
  const all = [...findings, ...(profile?.findings ?? []), ...told]
  printFindings(all, io)
  const warnings = all.filter((f) => f.severity === 'warning').length
  const what = dut ? `${dir} and ${dut}` : dir
  io.out(`${what}: no errors${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`)
  return EXIT.ok
}
