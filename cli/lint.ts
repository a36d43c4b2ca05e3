import { prepare } from '../harness/run.ts'
import { EXIT } from './exit.ts'
import { printFindings, type Output } from './output.ts'

/** Checks documents only: schemas, references, catalog coverage, ICS against IXIT. */
export async function lint(dir: string, standard: string | undefined, io: Output): Promise<number> {
  const { findings } = await prepare(dir, { standard })
  printFindings(findings, io)
  const warnings = findings.filter((f) => f.severity === 'warning').length
  io.out(`${dir}: no errors${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`)
  return EXIT.ok
}
