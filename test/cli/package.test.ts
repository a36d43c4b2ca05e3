// The package as a lab installs it: `npm pack`, then `npm install` of the tarball in a folder of
// its own. The installed ts701 must run from dist/ alone, with no TypeScript tooling.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve('.')
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 240_000 })

let lab: string
let installed: string

function ts701(args: string[]) {
  const r = spawnSync(join(lab, 'node_modules', '.bin', 'ts701'), args, { cwd: lab, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  lab = await mkdtemp(join(tmpdir(), 'ts701-package-'))
  // dist/ is current (test/setup/build.ts): packing need not build again.
  const tarball = npm(['pack', '--ignore-scripts', '--pack-destination', lab], REPO).trim().split('\n').at(-1)!
  await writeFile(join(lab, 'package.json'), JSON.stringify({ name: 'lab-assessments', version: '1.0.0', private: true }))
  // The registry's packages come from npm's cache, which `npm ci` filled.
  npm(['install', '--prefer-offline', join(lab, tarball)], lab)
  installed = join(lab, 'node_modules', 'ts701')
}, 300_000)

afterAll(async () => {
  await rm(lab, { recursive: true, force: true })
})

describe('the published package', () => {
  it('holds the compiled CLI, its types and the example assessment, not the TypeScript sources', async () => {
    expect((await readdir(installed)).sort()).toEqual(['README.md', 'bin', 'dist', 'examples', 'package.json'])
    expect(existsSync(join(installed, 'dist', 'cli', 'main.js'))).toBe(true)
    expect(existsSync(join(installed, 'dist', 'cli', 'main.d.ts'))).toBe(true)
    const pkg = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx')
    expect(existsSync(join(lab, 'node_modules', 'tsx'))).toBe(false)
  })

  it('exports the CLI entry with its types', async () => {
    const { main } = (await import(join(installed, 'dist', 'cli', 'main.js'))) as { main: (argv: string[], io: object) => Promise<number> }
    const lines: string[] = []
    expect(await main(['--version-of-nothing'], { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) })).toBe(3)
    expect(lines.join('\n')).toMatch(/unknown option/)
  })

  it('runs ts701 --help and a conceptual run of the bundled example', async () => {
    const help = ts701(['--help'])
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toMatch(/Usage: ts701/)
    const run = ts701(['run', '--conceptual-only', '--assessment', join(installed, 'examples', 'reference-dut'), '--out', 'conceptual'])
    expect(run.code, run.stderr).toBe(0)
    const results = JSON.parse(await readFile(join(lab, 'conceptual', 'results.json'), 'utf8')) as { groups: unknown[] }
    expect(results.groups.length).toBeGreaterThan(10)
  })

  it('assesses the bundled reference DUT with a functional group', async () => {
    const run = ts701(['run', '--assessment', join(installed, 'examples', 'reference-dut'), '--group', '5.3-16', '--out', 'functional'])
    expect(run.code, run.stderr).toBe(0)
    const junit = await readFile(join(lab, 'functional', 'junit.xml'), 'utf8')
    expect(junit).toMatch(/5\.3-16-2a/)
    expect(junit).not.toMatch(/<failure/)
  })
})
