/**
 * The processes a run started, read from /proc: the test worker, and what it started in turn
 * (lab commands, pseudo-terminal relays). An interrupted run ends them so none outlives it.
 */
import { readdirSync, readFileSync } from 'node:fs'

export interface ProcessInfo {
  pid: number
  ppid: number
  command: string
  /** Dead, waiting for its parent to collect its exit status: nothing left to stop. */
  zombie: boolean
}

function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name may hold spaces and parentheses; the fields after its last ')' do not.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
    return { pid, ppid: Number(ppid), command, zombie: state === 'Z' }
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

/**
 * Kills every process below `root` and returns once none is left running, or after `withinMs`.
 * A killed process takes a moment to end (a loaded machine tears down a worker's memory for a
 * tenth of a second), and one started meanwhile is caught in the next round: a run that says it
 * stopped everything has. Synchronous, for an exit path that must not wait on the event loop.
 */
export function killAllBelow(withinMs: number, root: number = process.pid): void {
  const until = Date.now() + withinMs
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    const running = descendants(root).filter((p) => !p.zombie)
    if (running.length === 0 || Date.now() >= until) return
    signalAll(running, 'SIGKILL')
    Atomics.wait(pause, 0, 0, 10)
  }
}
