/**
 * Measuring a command as a lab machine runs it: wall time, and the peak resident memory of the
 * whole process tree (ts701 runs its test groups in a vitest worker process, whose memory counts
 * as much as the main process's). Linux only: the tree is read from /proc.
 */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

export interface Measured {
  wallMs: number
  /** Peak of the summed resident memory of the command and its descendants, sampled every 20 ms. */
  peakTreeRssMB: number
  code: number | null
  stdout: string
  stderr: string
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name may hold spaces and parentheses: the fields after its closing one are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

function rssKB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

function treeRssKB(root: number): number {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    const parent = parentOf(pid)
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid])
  }
  let total = 0
  const todo = [root]
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    total += rssKB(pid)
    todo.push(...(children.get(pid) ?? []))
  }
  return total
}

export async function measure(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  const started = performance.now()
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let peak = 0
  const sample = () => {
    if (child.pid !== undefined) peak = Math.max(peak, treeRssKB(child.pid))
  }
  const timer = setInterval(sample, 20)
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  clearInterval(timer)
  return { wallMs: performance.now() - started, peakTreeRssMB: Math.round(peak / 1024), code, stdout, stderr }
}

/** The median of `runs` measurements; a command that fails is an error, not a figure. */
export async function median(runs: number, argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
  const all: Measured[] = []
  for (let i = 0; i < runs; i++) {
    const m = await measure(argv, options)
    if (m.code !== 0 && m.code !== null) throw new Error(`${argv.join(' ')} exited ${m.code}: ${m.stderr.trim().split('\n').at(-1)}`)
    all.push(m)
  }
  all.sort((a, b) => a.wallMs - b.wallMs)
  const mid = all[Math.floor(all.length / 2)]!
  return { ...mid, peakTreeRssMB: Math.max(...all.map((m) => m.peakTreeRssMB)) }
}
