import { spawn, spawnSync } from 'node:child_process'
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseDocument, type Document } from 'yaml'
import { main } from '../../cli/main.ts'
import type { RunResults } from '../../core/verdict.ts'
import { EXAMPLE } from '../helpers.ts'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the real executable, as a lab's CI job would; `input`, when given, is piped to its stdin. */
export function ts701(args: string[], env: Record<string, string> = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, ['bin/ts701.js', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
    ...(input !== undefined && { input }),
  })
  if (r.error) throw r.error
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/**
 * Runs the real executable without blocking this process, for tests that serve a device from
 * this process (a blocked event loop would make that device look dead).
 */
export function ts701Async(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, ['bin/ts701.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/**
 * `ts701 run` with `args`, whose `--out` is `out`, and the results.json it wrote. A run that wrote
 * none is an error with its exit code and the end of what it printed, so a CI log says why.
 */
export async function runAssessment(args: string[], out: string): Promise<{ code: number; results: RunResults }> {
  const run = await ts701Async(['run', ...args, '--out', out])
  let text: string
  try {
    text = await readFile(join(out, 'results.json'), 'utf8')
  } catch {
    throw new Error(`ts701 run ${args.join(' ')} ended with ${run.code} and no results.json:\n${run.stderr.slice(-2000)}`)
  }
  return { code: run.code, results: JSON.parse(text) as RunResults }
}

/** Runs the CLI in this process (fast), for commands that start no vitest run. */
export async function ts701InProcess(args: string[]): Promise<CliResult> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `ts701-${prefix}-`))

/** A copy of the reference assessment with edits applied to its YAML documents. */
export async function exampleCopy(edit: Partial<Record<'ics' | 'ixit' | 'decisions', (doc: Document) => void>> = {}): Promise<string> {
  const dir = await tempDir('assessment')
  await cp(EXAMPLE, dir, { recursive: true })
  for (const [name, change] of Object.entries(edit)) {
    const file = join(dir, `${name}.yaml`)
    const doc = parseDocument(await readFile(file, 'utf8'))
    change(doc)
    await writeFile(file, doc.toString())
  }
  return dir
}

/**
 * A copy of a DUT profile, beside it (its relative paths still hold), that waits at most `waitMs`
 * for the device to answer again after a restart and for an outcome. For tests of a device or
 * channel that is gone for good: every later unit waits that long before it gives up, and the
 * reference profile's generous bounds (sim/profile.ts) would make such a test wait minutes to show
 * the same thing.
 */
export async function withShortWaits(profileFile: string, waitMs: number, edit?: (doc: Document) => void): Promise<string> {
  const doc = parseDocument(await readFile(profileFile, 'utf8'))
  for (const op of ['reboot', 'factory-reset', 'restore']) {
    if (doc.hasIn(['operations', op])) doc.setIn(['operations', op, 'readyTimeoutMs'], waitMs)
  }
  if (doc.hasIn(['operations', 'read-outcome', 'timeoutMs'])) doc.setIn(['operations', 'read-outcome', 'timeoutMs'], waitMs)
  edit?.(doc)
  const copy = profileFile.replace(/\.ya?ml$/, '') + `-waits-${waitMs}.yaml`
  await writeFile(copy, doc.toString())
  return copy
}
