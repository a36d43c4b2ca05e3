import { join } from 'node:path'
import { execute, prepare } from '../harness/run.ts'
import { renderSummary, writeJunit, writeResultsJson } from '../reports/index.ts'
import { runExitCode } from './exit.ts'
import { printFindings, type Output } from './output.ts'

export interface RunCommandOptions {
  assessment: string
  standard?: string
  groups?: string[]
  conceptualOnly: boolean
  out?: string
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')
}

/** Assesses the documents (and later the DUT) and writes junit.xml and results.json. */
export async function run(options: RunCommandOptions, io: Output): Promise<number> {
  const prepared = await prepare(options.assessment, options)
  const results = await execute(prepared, options.conceptualOnly)
  printFindings(prepared.findings, io)
  const out = options.out ?? join('reports', timestamp())
  await writeJunit(results, join(out, 'junit.xml'))
  await writeResultsJson(results, join(out, 'results.json'))
  io.out(renderSummary(results))
  io.out(`reports written to ${out}/ (junit.xml, results.json)`)
  return runExitCode(results)
}
