/**
 * The misbehaving-device matrix's bench: the reference DUT on one channel, with a chaos proxy
 * (test/cli/chaos-proxy.ts) between ts701 and the device's API, broker or console, and one run
 * of ts701 that must end on its own within a budget.
 */
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { startMosquitto, type MosquittoBroker } from '../brokers.ts'
import { EXAMPLE } from '../helpers.ts'
import { ChaosProxy, type ChaosOptions } from './chaos-proxy.ts'
import { tempDir } from './helpers.ts'

export type Channel = 'http' | 'mqtt' | 'serial'

/**
 * Short enough that a hung request costs seconds, long enough for a conformant device on a busy
 * two-core host (the baseline row runs with it too).
 */
export const OPERATION_TIMEOUT_MS = 3000

export const READY_TIMEOUT_MS = 8000

/**
 * A device day in 4 s rather than the default 2 s. The bench's devices share one process with
 * each other's proxies while several runs go at once: a second's stall there is half a device
 * day, and 5.3-5 rightly cannot tell a boot check from a periodic one when the device came back
 * that late (seen in one loaded run). Twice the margin for a few seconds more of observation.
 */
const TIME_SCALE = 21_600

export interface Bench {
  setup: ReferenceSetup
  proxy: ChaosProxy
  broker?: MosquittoBroker
  /** The profile that reaches the device through the proxy. */
  profile: string
  close(): Promise<void>
}

/** The reference DUT on `channel`, reached through a proxy that does `chaos` once triggered. */
export async function benchFor(
  channel: Channel,
  chaos: Omit<ChaosOptions, 'target'>,
  onTrigger?: (b: Bench) => void,
  flaws: string[] = [],
): Promise<Bench> {
  // A broker drop needs a broker that can be stopped for real; the embedded one lives in the device's process.
  const broker = channel === 'mqtt' ? await startMosquitto({ dedicated: true }) : undefined
  const setup = await createReferenceSetup({ channel, flaws, timeScale: TIME_SCALE, ...(broker && { brokerUrl: broker.url }), pty: false })
  const doc = parseDocument(await readFile(setup.profileFile, 'utf8'))
  const url = channel === 'http' ? setup.apiUrl : channel === 'mqtt' ? broker!.url : setup.consoleUrl!
  let bench: Bench | undefined
  const proxy = await ChaosProxy.start({ ...chaos, target: Number(new URL(url).port), onTrigger: () => onTrigger?.(bench!) })
  const through = `${new URL(url).protocol}//127.0.0.1:${proxy.port}`
  doc.setIn(['adapter', channel === 'http' ? 'baseUrl' : channel === 'mqtt' ? 'url' : 'port'], through)
  doc.setIn(['adapter', 'timeouts', 'defaultMs'], OPERATION_TIMEOUT_MS)
  // The reference DUT is back within a second; a device that never comes back should cost little.
  for (const op of ['reboot', 'factory-reset', 'restore'])
    if (doc.hasIn(['operations', op])) doc.setIn(['operations', op, 'readyTimeoutMs'], READY_TIMEOUT_MS)
  const profile = join(setup.dir, 'dut-via-proxy.yaml')
  await writeFile(profile, doc.toString())
  bench = {
    setup,
    proxy,
    ...(broker && { broker }),
    profile,
    async close() {
      await proxy.close().catch(() => {})
      await setup.close().catch(() => {})
      await broker?.close().catch(() => {})
    },
  }
  return bench
}

export interface Finished {
  code: number
  stdout: string
  stderr: string
  ms: number
  results: RunResults
  units: UnitResult[]
  /** Whether junit.xml and report.html were written and look whole. */
  reports: { junit: boolean; html: boolean }
}

/** Runs ts701 on `groups`; a run still going after `budgetMs` is killed and the test fails. */
export async function runThrough(bench: Bench, groups: string[], budgetMs: number): Promise<Finished> {
  const out = await tempDir('misbehave')
  const started = Date.now()
  const child = spawn(
    process.execPath,
    ['bin/ts701.js', 'run', '--assessment', EXAMPLE, '--dut', bench.profile, '--out', out, ...groups.flatMap((g) => ['--group', g])],
    { env: { ...process.env, ...bench.setup.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  let killed = false
  const timer = setTimeout(() => {
    killed = true
    child.kill('SIGKILL')
  }, budgetMs)
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c) => resolve(c ?? -1))
  })
  clearTimeout(timer)
  const ms = Date.now() - started
  if (killed) throw new Error(`ts701 run ${groups.join(' ')} still going after ${budgetMs} ms (killed); stderr:\n${stderr.slice(-2000)}`)
  const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
  const junit = await readFile(join(out, 'junit.xml'), 'utf8').catch(() => '')
  const html = await readFile(join(out, 'report.html'), 'utf8').catch(() => '')
  return {
    code,
    stdout,
    stderr,
    ms,
    results,
    units: results.groups.flatMap((g) => g.cases.flatMap((c) => c.units)),
    reports: {
      junit: /^<\?xml[^>]*>\s*<testsuites[\s>]/.test(junit) && junit.trimEnd().endsWith('</testsuites>'),
      html: /<\/html>\s*$/i.test(html),
    },
  }
}

/** What a unit came to, keyed so that two runs can be compared unit by unit. */
export function verdicts(units: UnitResult[], group: string): Record<string, string> {
  const prefix = `${group}-`
  return Object.fromEntries(
    units
      .filter((u) => u.id.startsWith(prefix) && /^[a-z0-9]+$/i.test(u.id.slice(prefix.length)))
      .map((u, i) => [`${u.id} ${u.variant ?? ''} #${i}`, u.verdict]),
  )
}

/** Why the units of `group` that did not PASS came out so: the message of a failed comparison. */
export function reasonsOf(units: UnitResult[], group: string): string {
  const open = units.filter((u) => u.id.startsWith(`${group}-`) && u.verdict !== 'PASS')
  return (
    open.map((u) => `${u.id}${u.variant ? ` ${u.variant}` : ''} ${u.verdict}: ${u.reason}`).join('\n') || `every unit of ${group} PASSed`
  )
}
