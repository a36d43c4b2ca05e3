import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OUT_LOCK } from '../../core/lock-file.ts'
import { EXAMPLE } from '../helpers.ts'
import { mountTmpfs, tmpfsUnavailable } from '../harness/tmpfs.ts'
import { tempDir, ts701, ts701Async } from './helpers.ts'

const conceptual = (out: string, ...extra: string[]) => ['run', '--assessment', EXAMPLE, '--conceptual-only', '--out', out, ...extra]

const lock = (pid: number): string => JSON.stringify({ pid, host: hostname(), startedAt: '2025-01-01T00:00:00.000Z', command: 'ts701 run' })

/** The IDs of the evidence log of a run folder, in order. */
async function evidenceIds(out: string): Promise<string[]> {
  const text = await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id)
}

describe('ts701 run --out: one run per folder', () => {
  it('two runs started together on one --out: one runs, the other exits 3 naming the lock', { timeout: 240_000 }, async () => {
    const out = join(await tempDir('shared'), 'run')
    const runs = await Promise.all([ts701Async(conceptual(out)), ts701Async(conceptual(out))])
    expect(runs.map((r) => r.code).sort()).toEqual([0, 3])
    const refused = runs.find((r) => r.code === 3)!
    expect(refused.stderr.trim()).toMatch(/^ts701: --out .* is in use by another ts701, pid \d+ since .*\(ts701 run\)/)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(existsSync(join(out, OUT_LOCK))).toBe(false)
    expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))).toHaveProperty('groups')
  })

  it('a folder locked by a live process is refused with its pid; a dead one is taken over', { timeout: 240_000 }, async () => {
    const out = await tempDir('locked')
    await writeFile(join(out, OUT_LOCK), lock(process.pid))
    const refused = ts701(conceptual(out))
    expect(refused.code).toBe(3)
    expect(refused.stderr).toContain(`pid ${process.pid}`)
    expect(await readdir(out)).toEqual([OUT_LOCK])

    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    await writeFile(join(out, OUT_LOCK), lock(Number(ended.stdout)))
    const taken = ts701(conceptual(out))
    expect(taken.code).toBe(0)
    expect(taken.stdout).toContain(`took over ${join(out, OUT_LOCK)}, left by pid ${ended.stdout}`)
    expect(existsSync(join(out, OUT_LOCK))).toBe(false)
  })

  it('refuses an earlier run folder without --force; with it the evidence log starts again at E000001', { timeout: 240_000 }, async () => {
    const out = await tempDir('again')
    const device = ['run', '--assessment', EXAMPLE, '--group', '5.3-4B', '--out', out]
    const first = await ts701Async(device)
    expect(first.code).toBe(0)
    const before = await evidenceIds(out)
    expect(before[0]).toBe('E000001')

    const refused = await ts701Async(device)
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/is not empty .*--force/)
    expect(await evidenceIds(out)).toEqual(before)

    const forced = await ts701Async([...device, '--force'])
    expect(forced.code).toBe(0)
    const after = await evidenceIds(out)
    expect(after.filter((id) => id === 'E000001')).toHaveLength(1)
    expect(new Set(after).size).toBe(after.length)
    expect(ts701(['verify', out]).code).toBe(0)
  })

  it('--force refuses a folder holding a file ts701 does not write, and removes nothing', { timeout: 240_000 }, async () => {
    const out = await tempDir('foreign')
    expect(ts701(conceptual(out)).code).toBe(0)
    await writeFile(join(out, 'notes.txt'), 'mine')
    const r = ts701(conceptual(out, '--force'))
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('notes.txt')
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine')
    expect(existsSync(join(out, 'results.json'))).toBe(true)
  })

  it('--out naming an existing file exits 3 and leaves the file alone', async () => {
    const file = join(await tempDir('file'), 'results')
    await writeFile(file, 'x')
    const r = ts701(conceptual(file))
    expect(r.code).toBe(3)
    expect(r.stderr.trim()).toBe(`ts701: --out ${file} is a file, not a folder: choose a folder's path`)
    expect(await readFile(file, 'utf8')).toBe('x')
  })

  it.skipIf(!existsSync('/proc/self'))('--out where no folder can be made (/proc/x) exits 3 within seconds', () => {
    const started = Date.now()
    const r = spawnSync(process.execPath, ['bin/ts701.js', ...conceptual('/proc/ts701-x')], { encoding: 'utf8', timeout: 20_000 })
    expect(r.signal).toBeNull()
    expect(r.status).toBe(3)
    expect(r.stderr.trim()).toBe('ts701: cannot create /proc/ts701-x: /proc accepts no new folders')
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('ts701 report refuses a non-empty --out without --force, exit 3', { timeout: 240_000 }, async () => {
    const run = await tempDir('report-run')
    expect(ts701(conceptual(run)).code).toBe(0)
    const out = await tempDir('report-out')
    expect(ts701(['report', run, '--out', out]).code).toBe(0)
    const again = ts701(['report', run, '--out', out])
    expect(again.code).toBe(3)
    expect(again.stderr).toMatch(/is not empty \(report\.html\)/)
    expect(ts701(['report', run, '--out', out, '--force']).code).toBe(0)
  })
})

describe.skipIf(tmpfsUnavailable !== undefined)(`ts701 run on a full disk (${tmpfsUnavailable ?? 'a 64 KiB tmpfs'})`, () => {
  it('exits 3 naming the file and "no space", leaving no truncated report', { timeout: 240_000 }, async () => {
    const disk = await mountTmpfs('64k')
    try {
      const out = join(disk.dir, 'run')
      const r = await ts701Async(conceptual(out))
      expect(r.code).toBe(3)
      const lines = r.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^ts701: cannot (write|use) .*\/run\/[\w.]+: no space left on the device/)
      const left = await readdir(out)
      expect(left.filter((f) => f.endsWith('.tmp') || f === OUT_LOCK)).toEqual([])
      // A report either is absent or is whole.
      if (left.includes('results.json')) JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))
      if (left.includes('junit.xml')) expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(/<\/testsuites>\s*$/)
      if (left.includes('report.html')) expect(await readFile(join(out, 'report.html'), 'utf8')).toMatch(/<\/html>\s*$/)
    } finally {
      await disk.unmount()
    }
  })
})
