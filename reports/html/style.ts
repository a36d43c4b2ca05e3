/**
 * The report's stylesheet, inline so the file stands alone. Print: A4, a running header with the
 * DUT and the edition in the page margin, each test group on a new page, links shown as text.
 */
export function stylesheet(header: string): string {
  // Inside <style>, a name from the documents must neither end the element nor the CSS string.
  const quoted = `"${header.replace(/[<>"\\\u0000-\u001f\u007f]/g, ' ')}"`
  return `
:root { --pass: #1b7f3b; --fail: #b3261e; --inc: #9a6700; --na: #6b6f76; --line: #d0d4da; --soft: #f4f5f7; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1c1e21; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 28px; margin: 4px 0 16px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
h4 { font-size: 14px; margin: 16px 0 6px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
code.hash { word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); }
.kicker { color: var(--na); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; margin: 0; }
.facts th { width: 180px; color: var(--na); font-weight: 600; }
.badge { display: inline-block; min-width: 46px; padding: 1px 6px; border-radius: 3px; color: #fff; font-size: 11px; font-weight: 700; text-align: center; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.inc { background: var(--inc); } .badge.na { background: var(--na); }
.matrix td.count { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.matrix td.count.zero { color: #b8bcc2; font-weight: 400; }
.matrix td.count.pass { background: #e3f4e8; } .matrix td.count.fail { background: #fbe4e2; } .matrix td.count.inc { background: #fdf1d8; } .matrix td.count.na { background: #eceef1; }
.matrix td.title { max-width: 460px; }
.note, .provision, .group-title, .source, .kind, .status, .run { color: var(--na); }
.findings li { margin: 6px 0 10px; }
.findings .reason, .reason { white-space: pre-wrap; overflow-wrap: anywhere; }
.settle { font-weight: 600; }
.group { break-before: page; }
.unit { border-left: 3px solid var(--line); padding: 2px 0 2px 10px; margin: 10px 0; break-inside: avoid; }
.unit.added { border-left-style: dashed; }
.unit header { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
.tag { font-size: 11px; background: var(--soft); border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; }
blockquote.ixit { margin: 6px 0 6px 4px; padding: 2px 10px; border-left: 3px solid #b8c7e0; background: #f7f9fc; }
blockquote.ixit p { margin: 2px 0; }
blockquote.ixit .said { white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote.ixit .from { font-size: 11px; color: var(--na); }
.evidence { font-size: 12px; }
.evidence caption { text-align: left; color: var(--na); font-size: 12px; }
.evidence td.id, .evidence td.time, .evidence td.channel { white-space: nowrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.evidence td { overflow-wrap: anywhere; }
.evidence .missing, .evidence .more { color: var(--na); font-style: italic; }
.campaign td.changed { width: 34%; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.timeline { margin: 12px 0; }
.timeline svg { background: #fff; border: 1px solid var(--line); }
.timeline .axis { stroke: #444; stroke-width: 1; }
.timeline .tick { font-size: 11px; fill: #444; }
.timeline .band { fill: #1b7f3b; opacity: .08; }
.timeline .expected { stroke: var(--pass); stroke-dasharray: 4 3; }
.timeline .back { stroke: #444; stroke-dasharray: 2 2; }
.timeline .check { fill: #0b57d0; }
.timeline figcaption { font-size: 12px; color: var(--na); }
.sev.error { color: var(--fail); font-weight: 700; } .sev.warning { color: var(--inc); font-weight: 700; } .sev.note { font-weight: 700; }
.conflicts li, .conflict { color: var(--fail); }
.tag.baseline.known { background: #e8eefb; border-color: #9bb3e6; }
.tag.baseline.stale { background: #fdf1d8; border-color: var(--inc); }
.tag.baseline.changed { background: #fbe4e2; border-color: var(--fail); }
nav.toc ol { columns: 2; }
a { color: #0b57d0; }
@page { size: A4; margin: 18mm 14mm 16mm;
  @top-left { content: ${quoted}; font: 9px system-ui, sans-serif; color: #6b6f76; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); font: 9px system-ui, sans-serif; color: #6b6f76; } }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  a { color: inherit; text-decoration: none; }
  nav.toc { display: none; }
  h2 { break-after: avoid; } h3, h4 { break-after: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .badge { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .matrix td.count, .timeline { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`
}
