/**
 * HTML built from template literals: every interpolated value is escaped unless it is markup made
 * here. Reasons, titles and evidence come from documents and devices, so nothing they say may
 * become markup in the report.
 */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

type Part = Markup | string | number | undefined | null | false | readonly Part[]

export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function flatten(part: Part): string {
  if (part === undefined || part === null || part === false) return ''
  if (part instanceof Markup) return part.text
  if (Array.isArray(part)) return (part as readonly Part[]).map(flatten).join('')
  return escape(String(part))
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Markup {
  let out = strings[0]!
  parts.forEach((part, i) => {
    out += flatten(part) + strings[i + 1]!
  })
  return new Markup(out)
}

/** Markup that is already safe (CSS, an SVG built here). */
export const trusted = (text: string): Markup => new Markup(text)

type Cell = Markup | string

/** A plain table: a header row of column names, then one row per entry. */
export function plainTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): Markup {
  return html`<table class="plain">
    <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
    <tbody>${rows.map((cells) => html`<tr>${cells.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
  </table>`
}
