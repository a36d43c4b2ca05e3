/**
 * The GitHub Actions workflow, checked by action-validator, and the Jenkinsfile, for which no
 * validator works without a Jenkins server: both are held to the GitLab pipeline, which
 * gitlab.test.ts runs for real. The three must run the same shell, keep the same files and list
 * the same rigs.
 */
import { spawnSync } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { tempDir } from '../cli/helpers.ts'

const GITLAB = 'examples/ci/gitlab/.gitlab-ci.yml'
const GITHUB = 'examples/ci/github/ts701.yml'
const JENKINS = 'examples/ci/jenkins/Jenkinsfile'

const require = createRequire(import.meta.url)

function actionValidator(file: string): { code: number; output: string } {
  const manifest = require.resolve('@action-validator/cli/package.json')
  const { bin } = require(manifest) as { bin: Record<string, string> }
  const r = spawnSync(process.execPath, [resolve(manifest, '..', bin['action-validator']!), file], { encoding: 'utf8', timeout: 60_000 })
  if (r.error) throw r.error
  return { code: r.status ?? -1, output: r.stdout + r.stderr }
}

/** A script as the shell sees it: lines without their indentation, blank lines dropped. */
const lines = (script: string) =>
  script
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)

/** The shell of `sh '''…'''` steps, in order. */
const jenkinsShell = (text: string) => [...text.matchAll(/\bsh '''\n([\s\S]*?)'''/g)].map((m) => m[1]!)

/**
 * Brackets of Groovy code, outside comments and strings, must pair up: the syntax check that is
 * possible without a Jenkins server. Returns the first problem, or undefined.
 */
function unbalanced(text: string): string | undefined {
  const stack: Array<{ c: string; line: number }> = []
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
  let line = 1
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    const rest = text.slice(i)
    const skip = (end: string, from: number) => {
      const at = text.indexOf(end, from)
      if (at < 0) return false
      line += text.slice(i, at + end.length).split('\n').length - 1
      i = at + end.length - 1
      return true
    }
    if (c === '\n') line++
    else if (rest.startsWith('//')) {
      if (!skip('\n', i)) break
    } else if (rest.startsWith('/*')) {
      if (!skip('*/', i + 2)) return `line ${line}: unterminated comment`
    } else if (rest.startsWith("'''") || rest.startsWith('"""')) {
      if (!skip(rest.slice(0, 3), i + 3)) return `line ${line}: unterminated string`
    } else if (c === "'" || c === '"') {
      const end = text.slice(i + 1).search(new RegExp(`[${c}\\n]`))
      if (end < 0 || text[i + 1 + end] !== c) return `line ${line}: unterminated string`
      i += end + 1
    } else if ('([{'.includes(c)) stack.push({ c, line })
    else if (c in pairs) {
      const open = stack.pop()
      if (open?.c !== pairs[c]) return `line ${line}: ${c} closes ${open ? `${open.c} of line ${open.line}` : 'nothing'}`
    }
  }
  return stack.length ? `line ${stack.at(-1)!.line}: ${stack.at(-1)!.c} never closed` : undefined
}

describe('the CI templates', () => {
  let gitlab: any
  let github: any
  let jenkins: string
  let scratch: string

  beforeAll(async () => {
    gitlab = parse(await readFile(GITLAB, 'utf8'))
    github = parse(await readFile(GITHUB, 'utf8'))
    jenkins = await readFile(JENKINS, 'utf8')
    scratch = await tempDir('ci-templates')
  })
  afterAll(() => rm(scratch, { recursive: true, force: true }))

  describe('GitHub Actions workflow', () => {
    it('is a valid workflow to action-validator', () => {
      const r = actionValidator(GITHUB)
      expect(r.code, r.output).toBe(0)
    })

    it('is rejected when broken: a merge job that needs an unknown job, a rig job with no runner', async () => {
      const text = await readFile(GITHUB, 'utf8')
      const broken = {
        'unknown-need': text.replace(/^( {4}needs:) rig$/m, '$1 rigs'),
        'no-runs-on': text.replace(/^ {4}runs-on: \[self-hosted, ts701, '\$\{\{ matrix\.rig \}\}'\]\n/m, ''),
      }
      for (const [name, copy] of Object.entries(broken)) {
        expect(copy, name).not.toBe(text)
        const file = join(scratch, `${name}.yml`)
        await writeFile(file, copy)
        const r = actionValidator(file)
        expect(r.code, `${name}: ${r.output}`).not.toBe(0)
      }
    })

    it('runs each rig on its own self-hosted runner, lets all finish, keeps their folders and merges after all', () => {
      const { rig, merge } = github.jobs
      expect(rig['runs-on']).toEqual(['self-hosted', 'ts701', '${{ matrix.rig }}'])
      expect(rig.strategy['fail-fast']).toBe(false)
      const upload = rig.steps.find((s: any) => String(s.uses).startsWith('actions/upload-artifact@'))
      expect(upload.if).toBe('always()')
      expect(upload.with.path).toBe('reports/${{ matrix.rig }}/')
      const junit = rig.steps.find((s: any) => String(s.uses).startsWith('mikepenz/action-junit-report@'))
      expect(junit.if).toBe('always()')
      expect(junit.with.report_paths).toBe('reports/${{ matrix.rig }}/junit.xml')
      expect(rig.permissions.checks).toBe('write')
      expect(merge.needs).toBe('rig')
      expect(merge.if).toBe('always()')
      expect(merge.steps.find((s: any) => String(s.uses).startsWith('actions/download-artifact@')).with.path).toBe('reports')
      expect(merge.steps.find((s: any) => String(s.uses).startsWith('actions/upload-artifact@')).with.path).toBe('merged/')
      // Self-hosted runners drive lab hardware: no pull requests (from forks) start this workflow.
      expect(Object.keys(github.on)).not.toContain('pull_request')
      expect(Object.keys(github.on)).not.toContain('pull_request_target')
    })
  })

  describe('Jenkinsfile', () => {
    it('pairs its brackets outside strings and comments', () => {
      expect(unbalanced(jenkins)).toBeUndefined()
      // The check itself finds what it is for.
      expect(unbalanced(jenkins.replace('parallel branches\n        }', 'parallel branches\n'))).toMatch(/never closed|closes/)
      expect(unbalanced("sh 'unterminated\n")).toMatch(/unterminated string/)
    })

    it('is a declarative pipeline: a parallel stage per rig on the rig’s agent, JUnit, archive, merge', () => {
      expect(jenkins).toMatch(/^pipeline \{$/m)
      expect(jenkins).toContain('agent none')
      expect(jenkins).toContain('node(rig.name)')
      expect(jenkins).toContain('parallel branches')
      expect(jenkins).toContain("catchError(buildResult: 'FAILURE', stageResult: 'FAILURE')")
      expect(jenkins).toMatch(/finally \{\s*\n(\s*\/\/.*\n)*\s*junit testResults: "reports\/\$\{rig\.name\}\/junit\.xml"/)
      expect(jenkins).toContain('archiveArtifacts artifacts: "reports/${rig.name}/**"')
      expect(jenkins).toContain('stash name: "ts701-${rig.name}", includes: "reports/${rig.name}/**"')
      expect(jenkins).toContain('unstash "ts701-${r.name}"')
      expect(jenkins).toMatch(/stage\('merge'\)[\s\S]*archiveArtifacts artifacts: 'merged\/\*\*'/)
    })
  })

  describe('all three', () => {
    const rigScript = {
      gitlab: () => (gitlab.rig.script as string[]).join('\n'),
      github: () => github.jobs.rig.steps.find((s: any) => s.name === 'ts701 run').run as string,
      jenkins: () => jenkinsShell(jenkins)[0]!,
    }
    const mergeScript = {
      gitlab: () => (gitlab.merge.script as string[]).join('\n'),
      github: () => github.jobs.merge.steps.find((s: any) => s.name === 'ts701 report').run as string,
      jenkins: () => jenkinsShell(jenkins)[1]!,
    }

    it('run the rig with the same shell: ts701 run into reports/<rig>, the DUT profile, the baseline when there is one', () => {
      const script = lines(rigScript.gitlab())
      expect(script.join('\n')).toContain('set -- run --assessment "$ASSESSMENT" --out "reports/$RIG"')
      expect(script.join('\n')).toContain('if [ -n "$DUT" ]; then set -- "$@" --dut "$DUT"; fi')
      expect(script.join('\n')).toContain('if [ -f "rigs/$RIG/baseline.yaml" ]; then set -- "$@" --baseline "rigs/$RIG/baseline.yaml"; fi')
      expect(lines(rigScript.github())).toEqual(script)
      expect(lines(rigScript.jenkins())).toEqual(script)
    })

    it('merge with the same shell: ts701 report over every rig’s folder, labelled by rig, into merged/', () => {
      const script = lines(mergeScript.gitlab())
      expect(script.join('\n')).toContain('$TS701 report "$@" --label "$labels" --out merged')
      expect(lines(mergeScript.github())).toEqual(script)
      expect(lines(mergeScript.jenkins())).toEqual(script)
    })

    it('call ts701 through TS701, by default the version the repository pins', () => {
      expect(gitlab.variables.TS701).toBe('npx --no-install ts701')
      expect(github.env.TS701).toBe('npx --no-install ts701')
      expect(jenkins).toContain("TS701 = 'npx --no-install ts701'")
    })

    it('list the same rigs with the same settings', () => {
      const fromGitlab = (gitlab.rig.parallel.matrix as any[]).map((r) => [r.RIG, r.DUT, r.ASSESSMENT, r.RIG_ARGS ?? ''])
      const fromGithub = (github.jobs.rig.strategy.matrix.include as any[]).map((r) => [r.rig, r.dut, r.assessment, r.args ?? ''])
      const fromJenkins = [...jenkins.matchAll(/\[name: '([^']*)', dut: '([^']*)', assessment: '([^']*)', args: '([^']*)'\]/g)].map((m) =>
        m.slice(1),
      )
      expect(fromGitlab.length).toBeGreaterThan(1)
      expect(fromGithub).toEqual(fromGitlab)
      expect(fromJenkins).toEqual(fromGitlab)
    })
  })
})
