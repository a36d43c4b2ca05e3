/**
 * xmllint (libxml2-utils) is how the tests read and validate JUnit XML. Its absence must fail
 * the run, never skip it: a skipped schema check looks green in CI.
 */
import { spawnSync } from 'node:child_process'

const MISSING =
  'xmllint not found: install libxml2-utils (e.g. `apt-get install -y libxml2-utils`); ' +
  'the JUnit report tests need it and must not be skipped'

export function requireXmllint(): void {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) throw new Error(`${MISSING} (${probe.error?.message ?? probe.stderr})`)
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('xmllint', args, { encoding: 'utf8' })
  if (result.error) throw new Error(`${MISSING} (${result.error.message})`)
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Evaluates an XPath expression that yields a string or number (string(), count(), …). */
export function xpath(file: string, expression: string): string {
  const { status, stdout, stderr } = run(['--xpath', expression, file])
  if (status !== 0) throw new Error(`xmllint --xpath ${expression} failed (${status}): ${stderr}`)
  // xmllint terminates a string or number result with one newline of its own.
  return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout
}

export function validate(file: string, schema: string): { valid: boolean; output: string } {
  const { status, stdout, stderr } = run(['--noout', '--schema', schema, file])
  return { valid: status === 0, output: `${stdout}${stderr}` }
}
