/**
 * Runs one lab command (a relay, a PDU, `uhubctl`, a reflashing script, a probe) and records it as
 * evidence. Lab commands touch the bench, not only ts701: they run without a shell unless the
 * profile asks for one, with a minimal environment, in their own process group, so a timeout ends
 * everything the command started, and their output is capped, so a chatty tool cannot fill memory.
 */
import { spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { EvidenceLog } from '../core/evidence.ts'
import { quoteMasked } from '../core/mask.ts'
import { resolvePath } from '../profile/files.ts'
import type { CommandSpec } from '../profile/types.ts'
import { BenchError } from './errors.ts'

export type { CommandSpec }

export interface CommandResult {
  /** Null when the command ended by a signal. */
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
  /** The command ran past its timeout and was killed. */
  timedOut: boolean
  durationMs: number
  /** The evidence entry that records the run. */
  evidence: string
}

export interface CommandOptions {
  evidence: EvidenceLog
  /** What the command is for, e.g. `power-cycle`; it starts the evidence summary. */
  label: string
  /** Set for the command over the inherited minimum, under `spec.env` (e.g. the profile's secrets). */
  env?: Record<string, string>
  /** From SIGTERM to SIGKILL once the command timed out. Default 2000 ms. */
  killGraceMs?: number
}

export const DEFAULT_TIMEOUT_MS = 300_000
const KILL_GRACE_MS = 2_000
/** Kept per stream; the rest is counted and dropped. */
export const OUTPUT_CAP_BYTES = 64 * 1024
/** What of each stream the evidence entry quotes. */
const EXCERPT_CHARS = 2_000
/** How long output may still arrive once the command exited; a daemon it started may hold the pipe forever. */
const DRAIN_MS = 500
/** Only these of ts701's own environment: the lab's other variables (and secrets) stay out. */
const INHERITED = ['PATH', 'HOME', 'LANG'] as const

/** A command's working directory against the profile's folder (default: that folder), as profile files are. */
export function resolveCommand(profileFile: string, spec: CommandSpec): CommandSpec {
  return { ...spec, cwd: spec.cwd === undefined ? dirname(profileFile) : resolvePath(profileFile, spec.cwd) }
}

/** One output stream, kept up to the cap; the bytes past it are only counted. */
class Capture {
  private readonly chunks: Buffer[] = []
  private kept = 0
  total = 0

  add(chunk: Buffer): void {
    this.total += chunk.length
    const room = OUTPUT_CAP_BYTES - this.kept
    if (room <= 0) return
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.chunks.push(part)
    this.kept += part.length
  }

  get cut(): number {
    return this.total - this.kept
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

function environment(spec: CommandSpec, extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {}
  for (const name of INHERITED) {
    const value = process.env[name]
    if (value !== undefined) base[name] = value
  }
  return { ...base, ...extra, ...spec.env }
}

/** Signals the command's whole process group; a group already gone is no error. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // ESRCH: nothing left to kill.
  }
}

function describe(spec: CommandSpec): string {
  // One line: an inline script's newlines would break the summary.
  const text = (spec.shell ? `sh -c ${JSON.stringify(spec.argv[0])}` : spec.argv.join(' ')).replace(/\s+/g, ' ')
  return text.length > 120 ? `${text.slice(0, 119)}…` : text
}

/**
 * Runs the command to its end (or its timeout) and resolves with what it did, whatever its exit
 * code: the caller decides what failure means. Throws `BenchError('E_BENCH_COMMAND')` only when
 * the command cannot start at all.
 */
export async function runCommand(spec: CommandSpec, options: CommandOptions): Promise<CommandResult> {
  const { evidence, label } = options
  const [program, ...args] = spec.argv
  const cannotStart = (why: string): BenchError => {
    evidence.record({ channel: 'bench', summary: `${label}: cannot start ${describe(spec)}: ${why}`, detail: { argv: spec.argv } })
    return new BenchError('E_BENCH_COMMAND', `${label}: cannot start ${describe(spec)}: ${why}`)
  }
  if (program === undefined) throw cannotStart('the command has no argv')
  if (spec.cwd !== undefined) {
    // spawn reports a missing working directory as a missing program; say which it is.
    const dir = await stat(spec.cwd).catch(() => undefined)
    if (!dir?.isDirectory()) throw cannotStart(`working directory ${spec.cwd} does not exist`)
  }
  const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const started = Date.now()
  const child = spawn(spec.shell ? '/bin/sh' : program, spec.shell ? ['-c', program, label, ...args] : args, {
    cwd: spec.cwd,
    env: environment(spec, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a timeout kills what the command started, not only the command.
    detached: true,
  })
  const out = new Capture()
  const err = new Capture()
  child.stdout.on('data', (chunk: Buffer) => out.add(chunk))
  child.stderr.on('data', (chunk: Buffer) => err.add(chunk))

  let timedOut = false
  let killer: NodeJS.Timeout | undefined
  const timer = setTimeout(() => {
    timedOut = true
    killGroup(child.pid, 'SIGTERM')
    // Not cleared when the command ends: a member of its group may ignore SIGTERM and outlive it.
    killer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? KILL_GRACE_MS)
    killer.unref()
  }, timeoutMs)

  const ended = await new Promise<{ code: number | null; signal: string | null; durationMs: number } | Error>((resolve) => {
    let exit: { code: number | null; signal: string | null; durationMs: number } | undefined
    child.once('error', (e) => resolve(e))
    child.once('exit', (code, signal) => {
      exit = { code, signal, durationMs: Date.now() - started }
      setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
      }, DRAIN_MS).unref()
    })
    child.once('close', () => resolve(exit ?? { code: null, signal: null, durationMs: Date.now() - started }))
  })
  clearTimeout(timer)
  if (ended instanceof Error) {
    clearTimeout(killer)
    throw cannotStart((ended as NodeJS.ErrnoException).code ?? ended.message)
  }

  const stdout = out.text()
  const stderr = err.text()
  const how = timedOut ? `timed out after ${timeoutMs} ms` : ended.signal ? `killed by ${ended.signal}` : `exit ${ended.code}`
  const id = evidence.record({
    channel: 'bench',
    summary: `${label}: ${describe(spec)} → ${how} (${(ended.durationMs / 1000).toFixed(1)} s)`,
    detail: {
      argv: spec.argv,
      ...(spec.shell && { shell: true }),
      ...(spec.cwd !== undefined && { cwd: spec.cwd }),
      ...(spec.env && { env: Object.keys(spec.env) }),
      exitCode: ended.code,
      signal: ended.signal,
      timedOut,
      durationMs: ended.durationMs,
      stdout: quoteMasked(stdout, evidence.masker, EXCERPT_CHARS + 1),
      stdoutBytes: out.total,
      ...(out.cut > 0 && { stdoutCutBytes: out.cut }),
      stderr: quoteMasked(stderr, evidence.masker, EXCERPT_CHARS + 1),
      stderrBytes: err.total,
      ...(err.cut > 0 && { stderrCutBytes: err.cut }),
    },
  })
  return { exitCode: ended.code, signal: ended.signal, stdout, stderr, timedOut, durationMs: ended.durationMs, evidence: id }
}
