import { HtmlValidate } from 'html-validate'

// long-title is advice for search engines; the title carries the DUT's name, however long it is.
const validator = new HtmlValidate({ extends: ['html-validate:recommended'], rules: { 'long-title': 'off' } })

/** Every problem html-validate finds by its recommended rules, as `line:column rule: message`. */
export async function validateHtml(page: string): Promise<string[]> {
  const report = await validator.validateString(page)
  return report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId}: ${m.message}`))
}

const decode = (s: string) => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))

/** The units the report shows, in order, with the verdict each carries. */
export function reportedUnits(page: string): { unit: string; verdict: string }[] {
  return [...page.matchAll(/<article class="unit[^"]*" id="[^"]+" data-unit="([^"]*)" data-verdict="([^"]*)">/g)].map((m) => ({
    unit: decode(m[1]!),
    verdict: decode(m[2]!),
  }))
}
