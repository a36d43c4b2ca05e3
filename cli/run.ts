import { join } from 'node:path'
import { UsageError } from '../core/errors.ts'
import { execute, prepare } from '../harness/run.ts'
import { renderSummary, writeJunit, writeResultsJson } from '../reports/index.ts'
import type { Channel } from '../sim/profile.ts'
import { createReferenceSetup, type ReferenceSetup } from '../sim/setup.ts'
import { runExitCode } from './exit.ts'
import { printFindings, type Output } from './output.ts'

export interface RunCommandOptions {
  assessment: string
  standard?: string
  groups?: string[]
  conceptualOnly: boolean
  out?: string
  /** A DUT profile; without one, the bundled reference DUT is started and assessed. */
  dut?: string
  /** Flaws to switch on in the bundled reference DUT. */
  flaws?: string[]
  /** How ts701 talks to the bundled reference DUT. */
  channel?: Channel
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z').replaceAll(':', '-')
}

/** The embedded default: the reference DUT, started in this process for the run's duration. */
async function referenceDut(flaws: string[], channel: Channel, io: Output): Promise<ReferenceSetup> {
  const setup = await createReferenceSetup({ flaws, channel })
  // Credentials reach the adapter through the environment, as they would for a real device.
  Object.assign(process.env, setup.env)
  io.out(`reference DUT${flaws.length ? ` with flaws ${flaws.join(', ')}` : ''} over ${channel}, API on ${setup.apiUrl}`)
  return setup
}

/** Assesses the documents and the DUT and writes junit.xml, results.json and the evidence. */
export async function run(options: RunCommandOptions, io: Output): Promise<number> {
  if (process.stderr.isTTY) process.env.TS701_PROGRESS = '1'
  if (options.dut && (options.flaws?.length || options.channel)) {
    throw new UsageError('--flaw and --channel choose how the bundled reference DUT runs; they cannot be combined with --dut')
  }
  const out = options.out ?? join('reports', timestamp())
  const setup = options.conceptualOnly || options.dut ? undefined : await referenceDut(options.flaws ?? [], options.channel ?? 'http', io)
  try {
    const profileFile = options.dut ?? setup?.profileFile
    const prepared = await prepare(options.assessment, {
      standard: options.standard,
      groups: options.groups,
      conceptualOnly: options.conceptualOnly,
      ...(profileFile && { dut: { profileFile, out } }),
    })
    const results = await execute(prepared, options.conceptualOnly)
    printFindings(prepared.findings, io)
    await writeJunit(results, join(out, 'junit.xml'))
    await writeResultsJson(results, join(out, 'results.json'))
    io.out(renderSummary(results))
    io.out(`reports written to ${out}/ (junit.xml, results.json${prepared.lab ? ', evidence/' : ''})`)
    return runExitCode(results)
  } finally {
    await setup?.close()
  }
}
