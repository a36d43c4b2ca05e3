/**
 * JUnit XML for CI (Jenkins, GitLab): one testsuite per test group, one testcase per unit result.
 * CI tools only understand pass/failure/error/skipped, so the full TS 103 701 verdict also goes
 * into properties and, because GitLab ignores properties, into the first line of system-out.
 *
 * With a rig's baseline, a known failure is `skipped` (it must not turn the job red, and
 * dashboards list skipped tests apart) with the ticket in its message; its true verdict stays in
 * the properties and system-out. Stale entries get a testsuite of their own, failed under
 * --strict-baseline.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Builder, TestCase } from 'junit-report-builder'
import { writeFileAtomic } from '../core/atomic-file.ts'
import {
  resultName,
  type BaselineSummary,
  type CaseResult,
  type GroupResult,
  type OutputFile,
  type RunResults,
  type StaleBaselineEntry,
  type UnitResult,
} from '../core/verdict.ts'
import type { Reporter } from './reporter.ts'

// The package is CommonJS but its typings declare `export default`, so under NodeNext TypeScript
// and Node disagree about what a default import yields; require() is the same in every runtime.
const rootBuilder = createRequire(import.meta.url)('junit-report-builder') as Builder

/** What replaces one placeholder after the builder has produced its XML. */
interface Patch {
  /** NOT APPLICABLE reason for `<skipped message>`; undefined when the unit is not skipped. */
  skippedMessage: string | undefined
  systemOut: string
}

const seconds = (ms: number): number => ms / 1000

export function renderJunit(results: RunResults): string {
  // A fresh builder per call: the package's default export is a process-wide singleton.
  const builder = rootBuilder.newBuilder().name(`ts701 ${results.standard}`)
  // The nonce makes placeholders impossible to forge from reasons or IXIT text.
  const nonce = randomUUID()
  const patches = new Map<string, Patch>()

  for (const group of results.groups) {
    const suite = builder
      .testSuite()
      .name(`${group.id} ${group.title}`)
      .timestamp(results.startedAt)
      .time(seconds(group.cases.flatMap((c) => c.units).reduce((sum, u) => sum + (u.durationMs ?? 0), 0)))
    for (const testCase of group.cases) {
      for (const unit of testCase.units) {
        const tc = suite
          .testCase()
          .className(group.id)
          .name(resultName(unit))
          // 0 for a unit that never ran: "not measured", not "instant".
          .time(seconds(unit.durationMs ?? 0))
        addProperties(tc, results, group, testCase, unit)
        markVerdict(tc, unit)
        // system-out is filled in afterwards: the builder's CDATA handling breaks on a reason
        // containing `]]>` twice, and `skipped()` cannot carry a message at all.
        const token = `ts701-placeholder-${nonce}-${patches.size}`
        tc.standardOutput(token)
        patches.set(token, { skippedMessage: skippedMessage(unit), systemOut: systemOut(unit) })
      }
    }
  }
  if (results.baseline) {
    const b = results.baseline
    const suite = builder.testSuite().name(`baseline ${b.file}`).timestamp(results.startedAt).time(0)
    baselineProperties(b, (name, value) => suite.property(name, value))
    for (const entry of b.stale) {
      const tc = suite
        .testCase()
        .className('baseline')
        .name(`stale: ${entryName(entry)}`)
        .time(0)
      tc.property('baseline', 'stale').property('baseline-expected', entry.expected).property('baseline-ticket', entry.ticket)
      if (b.strict) tc.failure(staleText(entry), 'STALE')
      const token = `ts701-placeholder-${nonce}-${patches.size}`
      tc.standardOutput(token)
      patches.set(token, { skippedMessage: undefined, systemOut: `STALE: ${staleText(entry)}\nbaseline reason: ${oneLine(entry.reason)}` })
    }
  }
  return applyPatches(builder.build(), nonce, patches)
}

const entryName = (e: StaleBaselineEntry): string => resultName({ id: e.unit, target: e.target, variant: e.variant })

function staleText(e: StaleBaselineEntry): string {
  const now = e.now.length ? `now ${e.now.join(', ')}` : 'no result of this run matches it'
  return `baseline entry ${entryName(e)} (${e.ticket}) expects ${e.expected}, ${now}: remove it from the baseline`
}

function baselineProperties(b: BaselineSummary, property: (name: string, value: string) => void): void {
  property('baseline-file', b.file)
  property('baseline-sha256', b.sha256)
  property('baseline-strict', String(b.strict))
  property('baseline-entries', String(b.entries))
  property('baseline-known', String(b.known))
  property('baseline-stale', String(b.stale.length))
  property('baseline-changed', String(b.changed))
  property('baseline-not-run', String(b.notRun))
}

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim()

/** NOT APPLICABLE: the reason; a known failure: that it is known, the ticket and why it is accepted. */
function skippedMessage(unit: UnitResult): string | undefined {
  if (unit.baseline?.status === 'known') {
    const what = unit.baseline.expected === 'FAIL' ? 'known failure' : 'known inconclusive'
    return `${what} (${unit.baseline.ticket}): ${oneLine(unit.baseline.reason)}`
  }
  return unit.verdict === 'NOT APPLICABLE' ? unit.reason : undefined
}

export async function writeJunit(results: RunResults, file: string): Promise<void> {
  const xml = renderJunit(results)
  await mkdir(dirname(file), { recursive: true })
  await writeFileAtomic(file, xml.endsWith('\n') ? xml : `${xml}\n`)
}

const FILE: OutputFile = { path: 'junit.xml', kind: 'junit' }

export const junitReporter: Reporter = {
  name: 'junit',
  async write(results, { outDir }) {
    await writeJunit(results, join(outDir, FILE.path))
    return [FILE]
  },
}

function addProperties(tc: TestCase, results: RunResults, group: GroupResult, testCase: CaseResult, unit: UnitResult): void {
  tc.property('provision', group.provision)
    .property('status', group.status)
    .property('case', testCase.id)
    .property('kind', testCase.kind)
    .property('ixit', unit.reads.join(','))
    .property('edition', results.standard)
    .property('verdict', unit.verdict)
    .property('source', unit.source)
  if (unit.origin) tc.property('origin', unit.origin)
  if (unit.basis) tc.property('basis', unit.basis)
  if (unit.assessor) tc.property('assessor', unit.assessor.name).property('date', unit.assessor.date)
  if (unit.baseline) {
    tc.property('baseline', unit.baseline.status)
      .property('baseline-expected', unit.baseline.expected)
      .property('baseline-ticket', unit.baseline.ticket)
  }
}

function markVerdict(tc: TestCase, unit: UnitResult): void {
  if (unit.baseline?.status === 'known') {
    tc.skipped()
    return
  }
  switch (unit.verdict) {
    case 'PASS':
      return
    case 'FAIL':
      tc.failure(unit.reason, 'FAIL')
      return
    case 'INCONCLUSIVE':
      // error, not failure: the harness could not decide, which CI should not count as a defect.
      tc.error(unit.reason, 'INCONCLUSIVE')
      return
    case 'NOT APPLICABLE':
      tc.skipped()
      return
    default: {
      const unknown: never = unit.verdict
      throw new Error(`renderJunit: unknown verdict ${String(unknown)}`)
    }
  }
}

function systemOut(unit: UnitResult): string {
  // Continuation lines are indented so that every unindented line stays a `key: value` line.
  const [first = '', ...rest] = unit.reason.split(/\r\n|\r|\n/)
  const lines = [`VERDICT: ${unit.verdict} — ${first}`, ...rest.map((line) => `  ${line}`)]
  lines.push(`source: ${unit.source}`)
  lines.push(`reads: ${unit.reads.length > 0 ? unit.reads.join(', ') : '(none)'}`)
  if (unit.assessor) lines.push(`assessor: ${unit.assessor.name}, ${unit.assessor.date}`)
  if (unit.baseline) lines.push(`baseline: ${baselineLine(unit)}`)
  for (const ref of unit.evidence ?? []) lines.push(`evidence: ${ref}`)
  return lines.join('\n')
}

function baselineLine(unit: UnitResult): string {
  const b = unit.baseline!
  const said = `${b.ticket}: ${oneLine(b.reason)}`
  switch (b.status) {
    case 'known':
      return `known ${b.expected}, not failing the run (${said})`
    case 'changed':
      return `listed as ${b.expected}, now ${unit.verdict}: not a known failure (${said})`
    case 'stale':
      return `listed as ${b.expected}, now ${unit.verdict}: the entry is stale (${said})`
  }
}

function applyPatches(xml: string, nonce: string, patches: Map<string, Patch>): string {
  // Before patching, every text node and CDATA section in `xml` is one of our placeholders and
  // every attribute value has `<` escaped, so this pattern can only match elements the builder
  // emitted. The `<skipped/>` directly before a placeholder belongs to the same testcase.
  const pattern = new RegExp(`(<skipped/>(\\s*))?<system-out><!\\[CDATA\\[(ts701-placeholder-${nonce}-\\d+)\\]\\]></system-out>`, 'g')
  const used = new Set<string>()
  const out = xml.replace(pattern, (_match, skipped: string | undefined, gap: string | undefined, token: string) => {
    const patch = patches.get(token)
    if (!patch || used.has(token)) throw new Error(`renderJunit: unexpected placeholder ${token}`)
    used.add(token)
    if ((skipped !== undefined) !== (patch.skippedMessage !== undefined)) {
      throw new Error(`renderJunit: <skipped/> does not line up with placeholder ${token}`)
    }
    const skippedElement =
      patch.skippedMessage === undefined ? '' : `<skipped message="${escapeAttribute(patch.skippedMessage)}"/>${gap ?? ''}`
    return `${skippedElement}<system-out>${escapeText(patch.systemOut)}</system-out>`
  })
  if (used.size !== patches.size) {
    throw new Error(`renderJunit: patched ${used.size} of ${patches.size} testcases; builder output changed shape`)
  }
  return out
}

// Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF); dropped, as the builder does for the attributes it writes.
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

function escapeText(value: string): string {
  return value.replace(INVALID_XML_CHARS, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;')
}

function escapeAttribute(value: string): string {
  // Tab, LF and CR are encoded so attribute-value normalisation does not turn them into spaces.
  return escapeText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;')
}
