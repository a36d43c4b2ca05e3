import { join } from 'node:path'
import { applyBaseline } from '../baseline/apply.ts'
import { loadBaseline } from '../baseline/load.ts'
import { DEFAULT_EDITION } from '../catalog/edition-ids.ts'
import { UsageError } from '../core/errors.ts'
import type { OutputFile } from '../core/verdict.ts'
import { INTERRUPT_EXIT, RunInterrupt } from '../harness/interrupt.ts'
import { JOURNAL } from '../harness/journal.ts'
import { openOutFolder } from '../harness/out-folder.ts'
import { execute, prepare } from '../harness/run.ts'
import { preloadRunner } from '../harness/suite-runner.ts'
import { REPORT_HTML, runReporters } from '../reports/index.ts'
import { loadSigner, MANIFEST, sealRunFolder, writePack } from '../pack/index.ts'
import type { Channel } from '../sim/profile.ts'
import { channelOfMode, type Mode } from '../sim/modes/index.ts'
import type { ReferenceSetup } from '../sim/setup.ts'
import type { KeyAlgorithm } from '../fixtures/certs.ts'
import { runExitCode } from './exit.ts'
import { printFindings, type Output } from './output.ts'
import { watchSignals } from './signals.ts'
import { timestamp } from './timestamp.ts'

export interface RunCommandOptions {
  assessment: string
  standard?: string
  groups?: string[]
  conceptualOnly: boolean
  out?: string
  /** Replace an earlier run's files in `out` (only ts701's own: harness/out-folder.ts). */
  force?: boolean
  /** Refuse a document larger than this (TS701_MAX_DOCUMENT_BYTES); default ixit/source.ts. */
  maxDocumentBytes?: number
  /** A DUT profile; without one, the bundled reference DUT is started and assessed. */
  dut?: string
  /** Flaws to switch on in the bundled reference DUT. */
  flaws?: string[]
  /** How ts701 talks to the bundled reference DUT. */
  channel?: Channel
  /** Which kind of update agent the bundled reference DUT behaves like (default api). */
  mode?: Mode
  /** The key type of the bundled reference DUT's update CA (default DEFAULT_CA_KEY). */
  caKey?: KeyAlgorithm
  /** Device seconds per real second of the bundled reference DUT (default DEFAULT_TIME_SCALE). */
  timeScale?: number
  /** A private key (PEM) to sign MANIFEST.sha256 with; read before the run, never copied. */
  signKey?: string
  /** The X.509 certificate of `signKey`, copied beside the signature. */
  signCert?: string
  /** The laboratory and the assessors, named on the report's cover. */
  lab?: string
  assessors?: string[]
  /** The rig's expected-results baseline (baseline/): listed failures that recur do not fail the run. */
  baseline?: string
  /** Stale baseline entries (their units pass again) fail the run. */
  strictBaseline?: boolean
}

/** The embedded default: the reference DUT, started in this process for the run's duration. */
async function referenceDut(
  flaws: string[],
  channel: Channel | undefined,
  mode: Mode,
  io: Output,
  tuning: { caKey?: KeyAlgorithm; timeScale?: number },
): Promise<ReferenceSetup> {
  // Loaded here: a run against a lab's own DUT, or without one, never starts the simulated device.
  const { createReferenceSetup } = await import('../sim/setup.ts')
  const setup = await createReferenceSetup({ flaws, mode, ...(channel && { channel }), ...tuning })
  const how =
    mode === 'api' ? `over ${setup.channel}` : `in mode ${mode} (${setup.channel === 'none' ? 'no lab API' : `over ${setup.channel}`})`
  io.out(`reference DUT${flaws.length ? ` with flaws ${flaws.join(', ')}` : ''} ${how}, support page on ${setup.apiUrl}`)
  return setup
}

/** The manifest and its signature files: listed among the files written, but not reports. */
const PACK_KINDS = ['manifest', 'signature', 'public-key', 'certificate']

/** `junit.xml, results.json, evidence/`: the reports by name, the evidence by its folder. */
function describeFiles(files: readonly OutputFile[]): string {
  const reports = files.filter((f) => f.kind !== 'evidence' && !PACK_KINDS.includes(f.kind)).map((f) => f.path)
  return [...reports, ...(files.some((f) => f.kind === 'evidence') ? ['evidence/'] : [])].join(', ')
}

/**
 * Assesses the documents and the DUT and writes the reports and the evidence. `env` is where the
 * DUT profile's credentials are read; the reference DUT adds its own, as a lab's shell would.
 */
export async function run(options: RunCommandOptions, io: Output, env: NodeJS.ProcessEnv): Promise<number> {
  if (options.dut && (options.flaws?.length || options.channel || options.mode)) {
    throw new UsageError('--flaw, --channel and --mode choose how the bundled reference DUT runs; they cannot be combined with --dut')
  }
  if (options.dut && options.timeScale) {
    throw new UsageError("--time-scale sets the bundled reference DUT's clock; a device of your own (--dut) keeps its own time")
  }
  if (options.dut && options.caKey) {
    throw new UsageError(
      "--ca-key picks the key type of the bundled reference DUT's update CA; with --dut, the profile names the CA (updateServer.tls)",
    )
  }
  const mode = options.mode ?? 'api'
  if (options.channel && channelOfMode(mode, options.channel) === undefined) {
    throw new UsageError(`--mode ${mode} runs over its own channel; leave out --channel ${options.channel}`)
  }
  if (options.signCert && !options.signKey) throw new UsageError('--sign-cert names the certificate of --sign-key; give the key too')
  if (options.strictBaseline && !options.baseline)
    throw new UsageError('--strict-baseline applies to a baseline: give --baseline <file> too')
  // Checked before anything starts: a baseline that cannot be used must not cost a rig its run.
  const limit = options.maxDocumentBytes === undefined ? {} : { maxDocumentBytes: options.maxDocumentBytes }
  const baseline = options.baseline ? await loadBaseline(options.baseline, options.standard ?? DEFAULT_EDITION, limit) : undefined
  const out = options.out ?? join('reports', timestamp())
  // A key that cannot sign is found now, not after a run whose evidence would then go unsigned.
  const signer = options.signKey ? await loadSigner(options.signKey, options.signCert, out) : undefined
  const device = options.dut && !options.conceptualOnly ? { dutProfile: options.dut } : {}
  const folder = await openOutFolder(out, { force: options.force ?? false, command: 'ts701 run', ...device, note: (l) => io.out(l) })
  const interrupt = new RunInterrupt()
  const journalFile = join(out, JOURNAL)
  const unwatch = watchSignals(interrupt, io, journalFile)
  let setup: ReferenceSetup | undefined
  try {
    preloadRunner()
    setup =
      options.conceptualOnly || options.dut
        ? undefined
        : await referenceDut(options.flaws ?? [], options.channel, mode, io, {
            ...(options.caKey && { caKey: options.caKey }),
            ...(options.timeScale && { timeScale: options.timeScale }),
          })
    const profileFile = options.dut ?? setup?.profileFile
    const prepared = await prepare(options.assessment, {
      standard: options.standard,
      groups: options.groups,
      conceptualOnly: options.conceptualOnly,
      ...(options.maxDocumentBytes !== undefined && { maxDocumentBytes: options.maxDocumentBytes }),
      ...(profileFile && { dut: { profileFile, out, env: { ...env, ...setup?.env } } }),
    })
    const people = { ...(options.lab && { lab: options.lab }), assessors: options.assessors ?? [] }
    const executed = await execute(prepared, { progress: io.progress ?? false, people, journalFile, interrupt })
    const results = baseline ? applyBaseline(executed, baseline, { strict: options.strictBaseline ?? false }) : executed
    printFindings(results.findings, io)
    const { files } = await runReporters({ ...results, seal: await sealRunFolder(out) }, { outDir: out, io })
    const pack = await writePack(out, signer)
    const written = [...files, ...pack.files]
    io.out(`${MANIFEST} lists ${pack.listed} files${signer ? `, signed with the ${signer.label}` : ''}`)
    io.out(`reports written to ${out}/ (${describeFiles(written)})`)
    // Last, so a lab's terminal ends on the page a person reads.
    io.out(`report: ${join(out, REPORT_HTML)}`)
    if (interrupt.signal) {
      io.err(`ts701: the run was interrupted (${interrupt.signal}); units not decided by then are INCONCLUSIVE`)
      return INTERRUPT_EXIT[interrupt.signal]
    }
    return runExitCode(results)
  } finally {
    unwatch()
    await setup?.close()
    await folder.close()
  }
}
