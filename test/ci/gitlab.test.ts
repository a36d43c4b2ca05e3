/**
 * The GitLab CI template, run for real by gitlab-ci-local (shell executor, each job in its own
 * copy of the repository, artifacts passed between jobs as GitLab passes them) in a scratch
 * assessment repository with three rigs:
 *   rig-sim    a reference DUT started with `ts701 sim`, given to the job by its DUT profile;
 *   rig-known  the bundled reference DUT with a flaw, and a baseline listing the failure it causes;
 *   rig-new    the same flaw, no baseline: a new failure.
 */
import { spawn } from 'node:child_process'
import { chmod, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument, stringify } from 'yaml'
import { freePort } from '../../sim/ports.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701, type CliResult } from '../cli/helpers.ts'
import { git, startSim, type RunningSim } from './helpers.ts'

const PIPELINE = 'examples/ci/gitlab/.gitlab-ci.yml'
const RIGS = ['rig-known', 'rig-new', 'rig-sim'] as const
// One group with conceptual and functional units, decided in seconds and by nothing timed.
const GROUP = '5.3-16'
const FLAW = 'wrong-model'
const PACK = ['junit.xml', 'results.json', 'report.html', 'journal.jsonl', 'MANIFEST.sha256', 'evidence']

const require = createRequire(import.meta.url)

/** gitlab-ci-local's entry script, run with this Node.js (the one the tests run on). */
async function gitlabCiLocal(): Promise<string> {
  const manifest = require.resolve('gitlab-ci-local/package.json')
  const { bin } = JSON.parse(await readFile(manifest, 'utf8')) as { bin: string | Record<string, string> }
  return resolve(manifest, '..', typeof bin === 'string' ? bin : bin['gitlab-ci-local']!)
}

/** Runs the pipeline of the repository `cwd`; its job processes are killed with it if it outlives `ms`. */
function runPipeline(cwd: string, args: string[], ms: number): Promise<CliResult> {
  return gitlabCiLocal().then(
    (entry) =>
      new Promise((done, reject) => {
        const child = spawn(process.execPath, [entry, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d) => (stdout += d))
        child.stderr.on('data', (d) => (stderr += d))
        const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), ms)
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          done({ code: code ?? -1, stdout, stderr })
        })
      }),
  )
}

/** `PASS`/`FAIL` per job, from the summary gitlab-ci-local prints at the end. */
function jobResults(stdout: string): Map<string, string> {
  const results = new Map<string, string>()
  for (const m of stdout.matchAll(/^ (PASS|FAIL|WARN) {2}(\S.*?)\s*$/gm)) results.set(m[2]!, m[1]!)
  return results
}

/** The folder under .gitlab-ci-local/artifacts/ that holds `path` (job folder names are encoded). */
async function artifact(repo: string, path: string): Promise<string | undefined> {
  const root = join(repo, '.gitlab-ci-local', 'artifacts')
  for (const job of await readdir(root)) {
    const dir = join(root, job, path)
    if (await stat(dir).catch(() => undefined)) return dir
  }
  return undefined
}

describe('the GitLab CI template, run by gitlab-ci-local', () => {
  let scratch: string
  let repo: string
  let sim: RunningSim | undefined
  let pipeline: CliResult

  beforeAll(async () => {
    scratch = await tempDir('ci-gitlab')
    repo = join(scratch, 'lab')
    await mkdir(repo)
    await git(repo, 'init', '-q')
    await cp(EXAMPLE, join(repo, 'assessment'), { recursive: true })

    // The lab's own rig list; the rest of the pipeline is the template as it is.
    const doc = parseDocument(await readFile(PIPELINE, 'utf8'))
    doc.setIn(
      ['rig', 'parallel', 'matrix'],
      doc.createNode([
        { RIG: 'rig-sim', DUT: 'rigs/rig-sim/dut.yaml', ASSESSMENT: 'assessment' },
        { RIG: 'rig-known', DUT: '', ASSESSMENT: 'assessment', RIG_ARGS: `--flaw ${FLAW}` },
        { RIG: 'rig-new', DUT: '', ASSESSMENT: 'assessment', RIG_ARGS: `--flaw ${FLAW}` },
      ]),
    )
    await writeFile(join(repo, '.gitlab-ci.yml'), doc.toString())

    // rig-sim: a device of its own, on free loopback ports, whose profile the lab commits.
    const ports = { api: await freePort(), updateServer: await freePort(), bench: await freePort() }
    sim = await startSim(join(repo, 'rigs', 'rig-sim'), ports)

    // rig-known: a baseline written by ts701 from an earlier run of that device.
    const prior = join(scratch, 'prior')
    const first = ts701(['run', '--assessment', EXAMPLE, '--group', GROUP, '--flaw', FLAW, '--out', prior])
    expect(first.code, first.stdout + first.stderr).toBe(1)
    const baseline = ts701(['baseline', prior, '--out', join(repo, 'rigs', 'rig-known', 'baseline.yaml'), '--ticket', 'LAB-17'])
    expect(baseline.code, baseline.stdout + baseline.stderr).toBe(0)

    await writeFile(join(repo, '.gitignore'), 'rigs/*/sim.env\nrigs/*/device/\n.gitlab-ci-local*\n')
    await git(repo, 'add', '-A')
    await git(repo, 'commit', '-q', '-m', 'the rigs of the lab')
    // The device's password, as a masked CI/CD variable would give it (never committed).
    const secrets = join(repo, '.gitlab-ci-local-variables.yml')
    await writeFile(secrets, stringify(sim.env))
    await chmod(secrets, 0o600)

    pipeline = await runPipeline(
      repo,
      [
        '--home',
        join(scratch, 'home'),
        '--shell-isolation',
        '--no-artifacts-to-source',
        '--no-color',
        // One job at a time: three runs at once would starve the time-compressed devices of the
        // test files running beside this one.
        '--concurrency',
        '1',
        '--variable',
        `TS701=${process.execPath} ${resolve('bin/ts701.js')}`,
        '--variable',
        `TS701_RUN_ARGS=--group ${GROUP}`,
        '--variable',
        'TS701_LAB=ts701 CI test',
      ],
      240_000,
    )
  }, 300_000)

  afterAll(async () => {
    await sim?.stop()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  const output = () => `${pipeline.stdout}\n${pipeline.stderr}`

  it('passes the rigs with no new failure, fails the rig with one, and so fails the pipeline', () => {
    const jobs = jobResults(pipeline.stdout)
    const status = (name: string) => [...jobs].find(([job]) => job.startsWith('rig: [') && job.includes(`${name},`))?.[1]
    expect(status('rig-sim'), output()).toBe('PASS')
    expect(status('rig-known'), output()).toBe('PASS')
    expect(status('rig-new'), output()).toBe('FAIL')
    expect(jobs.get('merge'), output()).toBe('PASS')
    expect(pipeline.code, output()).toBe(1)
  })

  it('runs each rig with its DUT profile and, where it has one, its baseline', () => {
    const line = (rig: string) => output().match(new RegExp(`> rig ${rig}: (.*)`))?.[1] ?? ''
    expect(line('rig-sim')).toContain(`run --assessment assessment --out reports/rig-sim --force --dut rigs/rig-sim/dut.yaml`)
    expect(line('rig-sim')).not.toContain('--baseline')
    expect(line('rig-known')).toContain('--baseline rigs/rig-known/baseline.yaml')
    expect(line('rig-new')).not.toContain('--baseline')
    for (const rig of RIGS) expect(line(rig)).toContain(`--lab ts701 CI test`)
  })

  it('keeps every rig’s whole run folder as an artifact, also of the job that failed', async () => {
    for (const rig of RIGS) {
      const dir = await artifact(repo, join('reports', rig))
      expect(dir, `${rig}\n${output()}`).toBeDefined()
      const files = await readdir(dir!)
      for (const name of PACK) expect(files, rig).toContain(name)
      // The pack arrived whole: every file its manifest lists, unchanged.
      const verify = ts701(['verify', dir!])
      expect(verify.code, `${rig}: ${verify.stdout}${verify.stderr}`).toBe(0)
    }
    const verdicts = async (rig: string) => {
      const results = JSON.parse(await readFile(join((await artifact(repo, join('reports', rig)))!, 'results.json'), 'utf8'))
      return results.groups.flatMap((g: any) => g.cases.flatMap((c: any) => c.units.map((u: any) => u.verdict)))
    }
    expect(await verdicts('rig-sim')).not.toContain('FAIL')
    // The known failure is still reported; only the baseline kept it from failing the job.
    expect(await verdicts('rig-known')).toContain('FAIL')
    expect(await verdicts('rig-new')).toContain('FAIL')
  })

  it('publishes each rig’s junit.xml as the job’s JUnit report', async () => {
    const doc = parseDocument(await readFile(PIPELINE, 'utf8'))
    const junit = String(doc.getIn(['rig', 'artifacts', 'reports', 'junit']))
    const glob = new RegExp(`^${junit.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]+')}$`)
    for (const rig of RIGS) expect(`reports/${rig}/junit.xml`).toMatch(glob)
    expect(doc.getIn(['rig', 'artifacts', 'when'])).toBe('always')
  })

  it('merges all rigs’ runs into one report, labelled by rig, although one rig failed', async () => {
    const merged = await artifact(repo, 'merged')
    expect(merged, output()).toBeDefined()
    const results = JSON.parse(await readFile(join(merged!, 'results.json'), 'utf8'))
    expect(results.runs.map((r: { label: string }) => r.label).sort()).toEqual([...RIGS])
    const html = await readFile(join(merged!, 'report.html'), 'utf8')
    for (const rig of RIGS) expect(html).toContain(rig)
  })
})
