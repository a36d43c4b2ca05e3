import type { PlannedGroup } from '../catalog/plan.ts'
import { prepare } from '../harness/run.ts'
import { EXIT } from './exit.ts'
import { printFindings, type Output } from './output.ts'

function describeGroup(g: PlannedGroup): string[] {
  const head = `${g.def.id.padEnd(8)} ${g.applicability.applicable ? 'applies' : 'NOT APPLICABLE'}  ${g.def.status}  ${g.def.title}`
  const lines = [head, `         ${g.applicability.reason}`]
  if (!g.applicability.applicable) return lines
  for (const c of g.cases) {
    const targets = [...new Set(c.units.map((u) => u.target).filter((t) => t !== undefined))]
    lines.push(
      `  ${c.def.id.padEnd(10)} ${c.def.kind.padEnd(10)} ${c.units.length} unit run(s)${targets.length ? ` over ${targets.join(', ')}` : ''}`,
    )
    const needs = [...new Set(c.units.flatMap((u) => u.unit.needs ?? []))]
    if (needs.length) lines.push(`             needs from the lab: ${needs.join(', ')}`)
  }
  return lines
}

/** Shows which test cases apply and why not, and what functional cases will need. */
export async function plan(
  dir: string,
  options: { standard?: string; groups?: string[]; maxDocumentBytes?: number },
  io: Output,
): Promise<number> {
  const prepared = await prepare(dir, options)
  printFindings(prepared.findings, io)
  io.out(`${prepared.plan.edition.title} — ${prepared.assessment.dut}`)
  for (const g of prepared.plan.groups) io.out(describeGroup(g).join('\n'))
  return EXIT.ok
}
