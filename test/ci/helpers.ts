import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** git in `cwd`, with an identity of its own (a CI machine may have none configured). */
export async function git(cwd: string, ...args: string[]): Promise<void> {
  await run('git', ['-c', 'user.name=ts701 test', '-c', 'user.email=ts701@localhost', '-c', 'init.defaultBranch=main', ...args], { cwd })
}

export interface RunningSim {
  /** The variables its DUT profile reads (the API password), from sim.env. */
  env: Record<string, string>
  stop(): Promise<void>
}

/**
 * `ts701 sim` writing its DUT profile into `dir`, on the given loopback ports, until stopped.
 * Resolves once the device is up (the simulator says "stop with Ctrl+C").
 */
export function startSim(dir: string, ports: { api: number; updateServer: number; bench: number }): Promise<RunningSim> {
  const args = ['sim', '--dir', dir, '--port', String(ports.api), '--update-server-port', String(ports.updateServer)]
  const child = spawn(process.execPath, ['bin/ts701.js', ...args, '--bench-port', String(ports.bench)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(killer)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop().then(() => reject(new Error(`ts701 sim did not start within 60 s:\n${output}`)))
    }, 60_000)
    child.stderr.on('data', (d) => (output += d))
    child.stdout.on('data', (d) => {
      output += d
      if (!output.includes('stop with Ctrl+C')) return
      clearTimeout(timer)
      readFile(join(dir, 'sim.env'), 'utf8').then(
        (text) => resolve({ env: parseEnv(text), stop }),
        (err) => void stop().then(() => reject(err)),
      )
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`ts701 sim ended (exit code ${code}) before it started:\n${output}`))
    })
  })
}

/** The `NAME=value` lines the simulator writes (no quoting). */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m) env[m[1]!] = m[2]!
  }
  return env
}
