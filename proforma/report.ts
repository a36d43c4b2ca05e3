/**
 * The import report: what each table yielded, what the edition still needs, the facts read from
 * the prose with their sentences, and the supplier's remaining work. Written next to the
 * documents as Markdown, because the supplier reads it where they read their own files.
 */
import { tableSpec } from './tables.ts'
import type { ImportReport } from './import.ts'

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')

export function renderImportReport(report: ImportReport, written: readonly string[]): string {
  const lines: string[] = ['# Import report', '', `Edition: ${report.edition}`, '', '## Sources', '']
  for (const s of report.sources) {
    lines.push(`- ${s.file}: ${s.tables} table${s.tables === 1 ? '' : 's'}`)
    for (const n of s.notes) lines.push(`  - ${n}`)
  }
  lines.push('', '## Tables', '', '| Table | Entries | Fields mapped | Unknown headings (kept as notes) |', '|---|---|---|---|')
  for (const t of report.tables) {
    const spec = tableSpec(t.table)
    lines.push(
      `| IXIT ${spec.number}-${spec.prefix} | ${cell(t.entries.join(', '))} | ${cell(t.mapped.join(', '))} | ${cell(t.unknown.join(', ') || '–')} |`,
    )
  }
  const missing = report.tables.flatMap((t) => t.missing.map((m) => `- ${m.entry} (IXIT ${t.table}): ${m.fields.join(', ')}`))
  if (missing.length) lines.push('', '## Fields missing for this edition', '', ...missing)
  if (report.missingTables.length) {
    lines.push(
      '',
      '## Tables this edition reads that no document held',
      '',
      ...report.missingTables.map((t) => `- IXIT ${t}: ${tableSpec(t).title}`),
    )
  }
  lines.push('', '## Suggested facts', '')
  if (report.suggestions.length === 0) lines.push('None: no sentence could be read with confidence.')
  else {
    lines.push(
      'Read from the prose, never assumed. Rules ignore a suggestion until you confirm it by deleting its `suggested: true` in ixit.yaml.',
      '',
      '| Entry | Fact | Value | From | Sentence |',
      '|---|---|---|---|---|',
      ...report.suggestions.map((s) => `| ${s.entry} | ${s.fact} | ${cell(JSON.stringify(s.value))} | ${s.field} | ${cell(s.quote)} |`),
    )
  }
  if (report.problems.length) lines.push('', '## Not imported', '', ...report.problems.map((p) => `- ${p}`))
  lines.push('', '## Still to do', '', ...todo(report).map((t) => `- ${t}`), '', '## Written', '', ...written.map((w) => `- ${w}`), '')
  return lines.join('\n')
}

/** The supplier's remaining work, in the order an assessment needs it. */
export function todo(report: ImportReport): string[] {
  const out: string[] = []
  if (!report.ics) out.push('Write the ICS (ics.yaml): for each provision of clause 5.3, Y, N or N/A with the measures or the reason.')
  else {
    if (report.ics.constrained === undefined)
      out.push('Say in ics.yaml whether the device is constrained (`constrained: true` or `false`).')
    if (report.ics.missing.length) out.push(`Answer these provisions in ics.yaml: ${report.ics.missing.join(', ')}.`)
  }
  if (report.suggestions.length)
    out.push(`Confirm or correct the ${report.suggestions.length} suggested fact(s) in ixit.yaml (then \`ts701 lint\` stops listing them).`)
  const gaps = report.tables.reduce((n, t) => n + t.missing.length, 0)
  if (gaps) out.push(`Fill the fields listed under "Fields missing for this edition" (${gaps} entr${gaps === 1 ? 'y' : 'ies'}).`)
  if (report.missingTables.length) out.push(`Add the IXIT tables ${report.missingTables.join(', ')}.`)
  out.push(
    'For functional tests, describe the device in a DUT profile (dut.yaml): see "Writing a profile for your device" in the README and examples/devices/.',
  )
  return out
}
