/**
 * The processes a run started, read from /proc: the test worker, and what it started in turn
 * (lab commands, pseudo-terminal relays). An interrupted run ends them so none outlives it.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcessInfo {
  pid: number
  ppid: number
  command: string
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces and parentheses; the fields after its last ')' do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
    return { pid, ppid, command }
  } catch {
    // Gone meanwhile, or not ours to read.
    return undefined
  }
}

/** Every process below `root`, parents before their children; empty where /proc is not there. */
export function descendants(root: number = process.pid): ProcessInfo[] {
  let all: ProcessInfo[]
  try {
    all = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .flatMap((name) => processInfo(Number(name)) ?? [])
  } catch {
    return []
  }
  const found: ProcessInfo[] = []
  const below = [root]
  while (below.length) {
    const parent = below.shift()!
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p)
        below.push(p.pid)
      }
    }
  }
  return found
}

/** The test workers this process started (vitest's forked workers), each with its own descendants. */
export function workerTrees(root: number = process.pid): ProcessInfo[] {
  const workers = descendants(root).filter((p) => p.ppid === root && p.command.includes('vitest'))
  return workers.flatMap((w) => [w, ...descendants(w.pid)])
}

export function signalAll(processes: readonly ProcessInfo[], signal: NodeJS.Signals): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, signal)
    } catch {
      // Already gone.
    }
  }
}
