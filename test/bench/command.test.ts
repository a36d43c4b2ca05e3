// The lab command runner (bench/command.ts): what a power relay, a PDU or a reflashing script is
// run with, and what the evidence keeps of it.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveCommand, runCommand, OUTPUT_CAP_BYTES, type CommandSpec } from '../../bench/command.ts'
import { BenchError } from '../../bench/errors.ts'
import { EvidenceLog } from '../../core/evidence.ts'

const node = (script: string, ...args: string[]): CommandSpec => ({ argv: [process.execPath, '-e', script, ...args] })

async function run(spec: CommandSpec, o: { secrets?: string[]; env?: Record<string, string>; killGraceMs?: number } = {}) {
  const evidence = new EvidenceLog(undefined, o.secrets)
  const result = await runCommand(spec, {
    evidence,
    label: 'power-cycle',
    ...(o.env && { env: o.env }),
    ...(o.killGraceMs !== undefined && { killGraceMs: o.killGraceMs }),
  })
  const entry = evidence.since(0).find((e) => e.id === result.evidence)!
  return { result, entry, evidence }
}

/** Whether a process runs (a zombie waiting for its reaper no longer does). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  return stat !== undefined && !/^\d+ \(.*\) Z/.test(stat)
}

async function gone(pid: number, withinMs = 2_000): Promise<boolean> {
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    if (!(await running(pid))) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return false
}

describe('runCommand', () => {
  it('reports the exit code, output and duration, and records them as bench evidence', async () => {
    const { result, entry } = await run(node('console.log("relay off"); console.error("relay on"); process.exit(3)'))
    expect(result).toMatchObject({ exitCode: 3, signal: null, stdout: 'relay off\n', stderr: 'relay on\n', timedOut: false })
    expect(result.durationMs).toBeGreaterThanOrEqual(0)
    expect(entry.channel).toBe('bench')
    expect(entry.summary).toMatch(/^power-cycle: .*node -e .* → exit 3 \(\d+\.\d s\)$/)
    expect(entry.detail).toMatchObject({ exitCode: 3, timedOut: false, stdout: 'relay off\n', stderr: 'relay on\n' })
    expect(await run(node(''))).toMatchObject({ result: { exitCode: 0 } })
  })

  it('runs no shell unless asked: metacharacters are plain arguments', async () => {
    const plain = await run({ argv: ['echo', '$HOME', '*', ';', 'ls', '|', 'cat'] })
    expect(plain.result.stdout).toBe('$HOME * ; ls | cat\n')
    // With shell: true, argv[0] is the script and the rest are its positional parameters.
    const shell = await run({ argv: ['echo "$1-$2" | tr a-z A-Z', 'port', 'two'], shell: true })
    expect(shell.result.stdout).toBe('PORT-TWO\n')
    expect(shell.entry.detail).toMatchObject({ shell: true })
  })

  it('passes only PATH, HOME and LANG of its own environment, then options.env, then the spec’s env', async () => {
    process.env.TS701_BENCH_LEAK = 'must not leak'
    try {
      const { result, entry } = await run(
        { ...node('console.log(JSON.stringify(process.env))'), env: { PDU_OUTLET: '4', SHARED: 'spec' } },
        { env: { DUT_TOKEN: 'from-credentials', SHARED: 'options' } },
      )
      const env = JSON.parse(result.stdout) as Record<string, string>
      expect(env.PATH).toBe(process.env.PATH)
      expect(env.TS701_BENCH_LEAK).toBeUndefined()
      expect(env).toMatchObject({ PDU_OUTLET: '4', DUT_TOKEN: 'from-credentials', SHARED: 'spec' })
      // Evidence names the variables the profile sets, not their values.
      expect(entry.detail?.env).toEqual(['PDU_OUTLET', 'SHARED'])
    } finally {
      delete process.env.TS701_BENCH_LEAK
    }
  })

  it('on timeout terminates the whole process group, and kills what ignores SIGTERM', async () => {
    const polite = await run({ argv: ['sleep 30 & echo $!; wait', 'x'], shell: true, timeoutMs: 300 })
    expect(polite.result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' })
    expect(polite.entry.summary).toMatch(/timed out after 300 ms/)
    expect(await gone(Number(polite.result.stdout.trim()))).toBe(true)

    // Ignored signals are inherited: the shell and its sleep both ignore SIGTERM.
    const started = Date.now()
    const stubborn = await run({ argv: ["trap '' TERM; sleep 30 & echo $!; wait"], shell: true, timeoutMs: 300 }, { killGraceMs: 200 })
    expect(stubborn.result).toMatchObject({ timedOut: true, signal: 'SIGKILL' })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await gone(Number(stubborn.result.stdout.trim()))).toBe(true)
  })

  it('does not wait for a daemon the command leaves behind holding its output', async () => {
    const started = Date.now()
    const { result } = await run({ argv: ['sleep 20 & echo $!'], shell: true })
    const daemon = Number(result.stdout.trim())
    try {
      expect(result.exitCode).toBe(0)
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      process.kill(daemon, 'SIGKILL')
    }
  })

  it('caps each stream, recording how much was cut', async () => {
    const { result, entry } = await run(node('process.stdout.write("x".repeat(200000)); process.stderr.write("e".repeat(10))'))
    expect(result.stdout).toHaveLength(OUTPUT_CAP_BYTES)
    expect(result.stderr).toBe('e'.repeat(10))
    expect(entry.detail).toMatchObject({ stdoutBytes: 200_000, stdoutCutBytes: 200_000 - OUTPUT_CAP_BYTES, stderrBytes: 10 })
    expect(entry.detail).not.toHaveProperty('stderrCutBytes')
    expect(String(entry.detail?.stdout).length).toBeLessThan(2_100)
  })

  it('masks the secrets the evidence log knows in argv and output', async () => {
    const { result, entry } = await run(node('console.log("token=" + process.argv[1])', 'pdu-s3cret-42'), { secrets: ['pdu-s3cret-42'] })
    // The caller gets what the command said; the evidence never holds the secret.
    expect(result.stdout).toBe('token=pdu-s3cret-42\n')
    expect(JSON.stringify(entry)).not.toContain('pdu-s3cret-42')
    expect(entry.detail?.argv).toContain('***')
    expect(entry.detail?.stdout).toBe('token=***\n')
  })

  it('throws E_BENCH_COMMAND when the command cannot start, and records why', async () => {
    const evidence = new EvidenceLog()
    const missing = runCommand({ argv: ['/nonexistent/uhubctl', '-a', 'cycle'] }, { evidence, label: 'power-cycle' })
    await expect(missing).rejects.toBeInstanceOf(BenchError)
    await expect(missing).rejects.toMatchObject({
      code: 'E_BENCH_COMMAND',
      message: 'power-cycle: cannot start /nonexistent/uhubctl -a cycle: ENOENT',
    })
    const noDir = runCommand({ argv: ['true'], cwd: '/nonexistent/dir' }, { evidence, label: 'restore' })
    await expect(noDir).rejects.toMatchObject({
      code: 'E_BENCH_COMMAND',
      message: expect.stringMatching(/working directory \/nonexistent\/dir/),
    })
    expect(evidence.since(0).map((e) => e.channel)).toEqual(['bench', 'bench'])
  })

  it('runs in the profile’s folder unless cwd says otherwise, relative to that folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts701-bench-cwd-'))
    const profile = join(dir, 'dut.yaml')
    expect(resolveCommand(profile, { argv: ['x'] }).cwd).toBe(dir)
    expect(resolveCommand(profile, { argv: ['x'], cwd: 'tools' }).cwd).toBe(join(dir, 'tools'))
    expect(resolveCommand(profile, { argv: ['x'], cwd: '/opt/lab' }).cwd).toBe('/opt/lab')
    try {
      const { result } = await run(resolveCommand(profile, { argv: ['pwd'] }))
      expect(result.stdout.trim()).toBe(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
