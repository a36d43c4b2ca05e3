/**
 * Drives mutated documents through what `ts701 lint` runs: the assessment loader with the catalog
 * check and plan (`prepare`), the DUT profile loader with the image facts, and every few
 * iterations the whole command (`main(['lint', …])`). A failure is anything a user should never
 * see: an exception other than the typed ones, exit code 4, a stack trace, an internal-error
 * finding, or an error line that does not start with `file:line:column:`.
 */
import { writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { loadDutProfile } from '../../adapters/index.ts'
import { main } from '../../cli/main.ts'
import { Ts701Error } from '../../core/errors.ts'
import { imageFactFindings } from '../../harness/image-facts.ts'
import { prepare } from '../../harness/run.ts'
import { InvalidAssessmentError } from '../../ixit/errors.ts'
import { formatFinding } from '../../ixit/findings.ts'
import type { Finding } from '../../ixit/types.ts'
import { parseDocument, type Document } from 'yaml'
import { iterationSeed, mutate, MUTATIONS, Rng, type MutationClass } from './mutate.ts'

/**
 * Where the documents come from. The gateway's are small, so most iterations use them; the
 * reference DUT's are the fullest (decisions, every table), at several times the cost of a lint.
 */
const SOURCES = {
  gateway: {
    share: 0.9,
    documents: {
      'assessment/ics.yaml': 'examples/swupdate-gateway/ics.yaml',
      'assessment/ixit.yaml': 'examples/swupdate-gateway/ixit.yaml',
      'profile/dut.yaml': 'examples/swupdate-gateway/profile.yaml',
    },
    /** Files the profile names, present (empty) so a mutation, not a missing file, decides what is found. */
    files: ['bench.mjs', 'images/valid-1.1.0.swu', 'images/older-0.9.0.swu', 'keys/vendor.crt', 'keys/vendor.key'],
  },
  reference: {
    share: 0.1,
    documents: {
      'assessment/ics.yaml': 'examples/reference-dut/ics.yaml',
      'assessment/ixit.yaml': 'examples/reference-dut/ixit.yaml',
      'assessment/decisions.yaml': 'examples/reference-dut/decisions.yaml',
      'profile/dut.yaml': 'examples/reference-dut/profiles/http.yaml',
    },
    files: [
      'tls/update-server.pem',
      'tls/update-server.key',
      'tls/vendor-ca.pem',
      'tls/vendor-ca.key',
      'images/valid-1.1.0.img',
      'images/older-0.9.0.img',
      'images/other-hardware.img',
    ],
  },
} as const
type SourceName = keyof typeof SOURCES
type DocumentName = 'assessment/ics.yaml' | 'assessment/ixit.yaml' | 'assessment/decisions.yaml' | 'profile/dut.yaml'

export interface FuzzFailure {
  seed: number
  iteration: number
  /** `gateway/assessment/ixit.yaml` */
  document: string
  /** The mutation, e.g. `unicode at /7-UpdMech/0/id`. */
  what: string
  problem: string
  bytes: Buffer
}

export interface FuzzOptions {
  seed: number
  iterations: number
  /** The first iteration's number (default 0): replaying iteration k of a seed is `first: k, iterations: 1`. */
  first?: number
  /** Every n-th iteration runs the whole command through `main`; the others call its parts. */
  viaMainEvery?: number
  classes?: readonly MutationClass[]
  /** Told of each failure as it is found (the script prints and saves it). */
  onFailure?: (f: FuzzFailure) => void | Promise<void>
}

export interface FuzzSummary {
  iterations: number
  viaMain: number
  failures: FuzzFailure[]
  /** Exit code 3 / findings seen: proof the mutations reach the checks. */
  rejected: number
  ms: number
}

const STACK = /\n\s+at |at .*\(.*:\d+:\d+\)/
const LOCATED = /^[^\n]+:\d+:\d+: (error|warning): /

export class Workspace {
  private constructor(
    readonly root: string,
    private readonly originals: Partial<Record<DocumentName, string>>,
    private readonly parsed = new Map<DocumentName, Document>(),
  ) {}

  static async create(source: SourceName, under: string): Promise<Workspace> {
    const root = join(under, source)
    const { documents, files } = SOURCES[source]
    const originals: Partial<Record<DocumentName, string>> = {}
    for (const [name, from] of Object.entries(documents) as Array<[DocumentName, string]>) {
      originals[name] = await readFile(from, 'utf8')
      await mkdir(dirname(join(root, name)), { recursive: true })
      await writeFile(join(root, name), originals[name])
    }
    for (const f of files) {
      await mkdir(dirname(join(root, 'profile', f)), { recursive: true })
      await writeFile(join(root, 'profile', f), '')
    }
    return new Workspace(root, originals)
  }

  get names(): DocumentName[] {
    return Object.keys(this.originals) as DocumentName[]
  }

  get assessment(): string {
    return join(this.root, 'assessment')
  }

  get profile(): string {
    return join(this.root, 'profile/dut.yaml')
  }

  original(name: DocumentName): string {
    return this.originals[name] ?? ''
  }

  /** The original parsed once, for mutations to clone. */
  document(name: DocumentName): Document {
    let doc = this.parsed.get(name)
    if (!doc) this.parsed.set(name, (doc = parseDocument(this.original(name))))
    return doc
  }

  /** Synchronous: twice an iteration, and a thread-pool round trip costs more than the write. */
  write(name: DocumentName, bytes: Buffer | string): void {
    writeFileSync(join(this.root, name), bytes)
  }
}

/** What went wrong with one lint, or nothing; `rejected` when it found the documents wanting. */
interface Verdict {
  problem?: string
  rejected: boolean
}

export function checkFindings(findings: readonly Finding[]): string | undefined {
  for (const f of findings) {
    const line = formatFinding(f)
    if (f.code === 'internal-error') return `internal-error finding: ${line}`
    if (!LOCATED.test(line) || !Number.isInteger(f.line) || f.line < 1) return `finding without a location: ${line}`
    if (STACK.test(f.message)) return `stack trace in a finding: ${line}`
  }
  return undefined
}

function crash(err: unknown): string {
  return `crash: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
}

/** The assessment part of lint: loader, catalog check and plan (harness/run.ts `prepare`). */
async function lintAssessment(dir: string): Promise<Verdict> {
  try {
    const prepared = await prepare(dir, {})
    return { problem: checkFindings(prepared.findings), rejected: false }
  } catch (err) {
    if (err instanceof InvalidAssessmentError) return { problem: checkFindings(err.findings), rejected: true }
    if (err instanceof Ts701Error) return { problem: `a bare ${err.code} instead of findings: ${err.message}`, rejected: true }
    return { problem: crash(err), rejected: false }
  }
}

/** The profile part of lint: loader and the images' own facts (cli/lint.ts). */
async function lintProfile(file: string): Promise<Verdict> {
  try {
    const loaded = await loadDutProfile(file)
    const told = loaded.profile && loaded.locate ? await imageFactFindings(loaded.profile, loaded.locate) : []
    const findings = [...loaded.findings, ...told]
    return { problem: checkFindings(findings), rejected: !loaded.profile || findings.some((f) => f.severity === 'error') }
  } catch (err) {
    return { problem: crash(err), rejected: false }
  }
}

/** The whole command, as a user runs it. */
async function lintCommand(ws: Workspace): Promise<Verdict> {
  const lines: string[] = []
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`E ${l}`) }
  const code = await main(['lint', ws.assessment, '--dut', ws.profile], io)
  if (code !== 0 && code !== 3) return { problem: `exit code ${code}: ${lines.join('\n')}`, rejected: false }
  for (const line of lines) {
    if (STACK.test(line) || /internal error/i.test(line)) return { problem: `printed: ${line}`, rejected: false }
    if (!line.startsWith('E ')) continue
    const text = line.slice(2)
    if (!LOCATED.test(text) && !/^ts701: \d+ errors? in the assessment documents$/.test(text))
      return { problem: `unlocated: ${text}`, rejected: false }
  }
  return { rejected: code === 3 }
}

export async function fuzzLint(options: FuzzOptions): Promise<FuzzSummary> {
  const started = Date.now()
  const every = options.viaMainEvery ?? 20
  const under = await mkdtemp(join(tmpdir(), 'ts701-fuzz-'))
  const workspaces = { gateway: await Workspace.create('gateway', under), reference: await Workspace.create('reference', under) }
  const summary: FuzzSummary = { iterations: 0, viaMain: 0, failures: [], rejected: 0, ms: 0 }
  try {
    const first = options.first ?? 0
    for (let i = first; i < first + options.iterations; i++) {
      const rng = new Rng(iterationSeed(options.seed, i))
      const source: SourceName = rng.chance(SOURCES.gateway.share) ? 'gateway' : 'reference'
      const ws = workspaces[source]
      const document = rng.pick(ws.names)
      const mutated = mutate(ws.original(document), rng, options.classes ?? MUTATIONS, ws.document(document))
      ws.write(document, mutated.bytes)
      const whole = i % every === 0
      const verdict = whole
        ? await lintCommand(ws)
        : document.startsWith('profile/')
          ? await lintProfile(ws.profile)
          : await lintAssessment(ws.assessment)
      ws.write(document, ws.original(document))
      summary.iterations++
      if (whole) summary.viaMain++
      if (verdict.rejected) summary.rejected++
      if (verdict.problem !== undefined) {
        const failure: FuzzFailure = {
          seed: options.seed,
          iteration: i,
          document: `${source}/${document}`,
          what: mutated.what,
          problem: verdict.problem,
          bytes: mutated.bytes,
        }
        summary.failures.push(failure)
        await options.onFailure?.(failure)
      }
    }
  } finally {
    await rm(under, { recursive: true, force: true })
    summary.ms = Date.now() - started
  }
  return summary
}
