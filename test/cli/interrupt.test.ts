/**
 * Ctrl+C and SIGTERM in the middle of `ts701 run` against the bundled reference DUT: the run
 * stops at a safe point, restores the device, writes the reports of the units decided so far,
 * and leaves no process and no listening port behind. A second Ctrl+C stops at once; the
 * journal it leaves is enough for `ts701 report` to rebuild the reports.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { RunResults, UnitResult } from '../../core/verdict.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701Async } from './helpers.ts'

interface Started {
  pid: number
  /** What it has printed on stderr so far. */
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
}

/** The run in a process group of its own, as a shell runs a foreground job. */
function startRun(out: string): Started {
  const child = spawn(process.execPath, ['bin/ts701.js', 'run', '--assessment', EXAMPLE, '--out', out], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  return {
    pid: child.pid!,
    stderr: () => stderr,
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr }))),
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim())

async function untilJournalHas(out: string, units: number): Promise<void> {
  const until = Date.now() + 90_000
  while (Date.now() < until) {
    const text = await readFile(join(out, 'journal.jsonl'), 'utf8').catch(() => '')
    if (lines(text).length > units) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`the journal of ${out} never held ${units} units`)
}

/** Live (not zombie) processes of a process group, from /proc. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .flatMap((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8')
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        return Number(pgrp) === pgid && state !== 'Z' ? [Number(n)] : []
      } catch {
        return []
      }
    })
}

/** The TCP ports the given processes listen on (IPv4 and IPv6), from /proc. */
function listeningPorts(pids: readonly number[]): Set<number> {
  const inodes = new Set<string>()
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' })
        const m = /^socket:\[(\d+)\]$/.exec(link)
        if (m) inodes.add(m[1]!)
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return allListening((inode) => inodes.has(inode))
}

function allListening(owned: (inode: string) => boolean = () => true): Set<number> {
  const ports = new Set<number>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/)
      // st 0A is LISTEN; the inode is column 10.
      if (cols[3] === '0A' && owned(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16))
    }
  }
  return ports
}

const units = (r: RunResults): UnitResult[] => r.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
const byName = (us: readonly UnitResult[]) => new Map(us.map((u) => [`${u.id}|${u.target ?? ''}|${u.variant ?? ''}`, u]))

function journalUnits(text: string): UnitResult[] {
  return lines(text)
    .slice(1)
    .map((l) => (JSON.parse(l) as { result: UnitResult }).result)
}

describe.concurrent('an interrupted run', () => {
  it('Ctrl+C: stops at a safe point, restores the device, reports the decided units; nothing of it outlives it', async () => {
    const out = join(await tempDir('interrupt'), 'run')
    const run = startRun(out)
    await untilJournalHas(out, 20)
    const ports = listeningPorts(groupMembers(run.pid))
    expect(ports.size).toBeGreaterThan(0)
    process.kill(-run.pid, 'SIGINT')
    const ended = await run.exited
    expect(ended.code, ended.stderr).toBe(130)
    expect(ended.stderr).toMatch(/interrupted \(SIGINT\)/)

    // Nothing keeps running: no process of the group, no port it listened on, no evidence appended.
    expect(groupMembers(run.pid)).toEqual([])
    const listening = allListening()
    expect([...ports].filter((p) => listening.has(p))).toEqual([])
    const evidence = join(out, 'evidence', 'exchanges.jsonl')
    const size = (await stat(evidence)).size
    await new Promise((r) => setTimeout(r, 1500))
    expect((await stat(evidence)).size).toBe(size)
    // Its stderr and the end of the evidence say where a missed restore went, from the CI log alone.
    const recorded = await readFile(evidence, 'utf8')
    const why = `stderr:\n${ended.stderr}\nlast evidence:\n${lines(recorded).slice(-5).join('\n')}`
    expect(recorded, why).toMatch(/restored the device after the interruption/)

    // The reports hold every unit: the journal's as decided, the rest INCONCLUSIVE for the interruption.
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(results.interrupted?.signal).toBe('SIGINT')
    const journal = journalUnits(await readFile(join(out, 'journal.jsonl'), 'utf8'))
    expect(journal.length).toBeGreaterThanOrEqual(20)
    const reported = byName(units(results))
    for (const [name, u] of byName(journal)) expect(reported.get(name)?.verdict, name).toBe(u.verdict)
    const rest = units(results).filter((u) => !byName(journal).has(`${u.id}|${u.target ?? ''}|${u.variant ?? ''}`))
    expect(rest.length).toBeGreaterThan(0)
    for (const u of rest) expect(u.reason).toMatch(/interrupted \(SIGINT\) before this unit was decided/)
    const html = await readFile(join(out, 'report.html'), 'utf8')
    expect(html).toMatch(/Interrupted/)
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(/<testsuites/)
  }, 180_000)

  it('SIGTERM to the ts701 process alone: the worker is told, and winds down', async () => {
    const out = join(await tempDir('interrupt'), 'run')
    const run = startRun(out)
    await untilJournalHas(out, 20)
    process.kill(run.pid, 'SIGTERM')
    const ended = await run.exited
    expect(ended.code, ended.stderr).toBe(143)
    expect(groupMembers(run.pid)).toEqual([])
    expect(await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')).toMatch(/the run was interrupted/)
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(results.interrupted?.signal).toBe('SIGTERM')
  }, 180_000)

  it('a second Ctrl+C stops at once; ts701 report rebuilds the reports from the journal', async () => {
    const dir = await tempDir('interrupt')
    const out = join(dir, 'run')
    const run = startRun(out)
    await untilJournalHas(out, 20)
    process.kill(-run.pid, 'SIGINT')
    // Again once the first was taken, as a user presses it again after the message: two sent before
    // a starved process ran at all would reach it as one (the kernel keeps one pending SIGINT).
    await vi.waitFor(() => expect(run.stderr()).toMatch(/stopping the run at a safe point/), { timeout: 10_000, interval: 10 })
    process.kill(-run.pid, 'SIGINT')
    const ended = await run.exited
    expect(ended.code, ended.stderr).toBe(130)
    expect(ended.stderr).toMatch(/stopping at once/)
    expect(groupMembers(run.pid)).toEqual([])

    const journal = journalUnits(await readFile(join(out, 'journal.jsonl'), 'utf8'))
    const rebuilt = await ts701Async(['report', out, '--out', join(dir, 'rebuilt')])
    expect(rebuilt.code, rebuilt.stderr).toBe(0)
    expect(rebuilt.stdout).toMatch(/rebuilt from journal\.jsonl/)
    const results = JSON.parse(await readFile(join(dir, 'rebuilt', 'results.json'), 'utf8')) as RunResults
    const reported = byName(units(results))
    for (const [name, u] of byName(journal)) expect(reported.get(name)?.verdict, name).toBe(u.verdict)
    expect(units(results).length).toBeGreaterThan(journal.length)
    expect(await readFile(join(dir, 'rebuilt', 'junit.xml'), 'utf8')).toMatch(/<testsuites/)
  }, 180_000)
})
