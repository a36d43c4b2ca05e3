/**
 * ISO-8601 durations (`P1D`, `PT6H`, `P1Y2M3W4DT5H6M7.5S`) in seconds, with nominal lengths: a
 * year is 365 days, a month 30 days, a week 7 days, a day 86 400 seconds. Poll intervals are
 * announced to devices that count them as plain seconds, so calendar arithmetic does not apply.
 */
const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`
const DURATION = new RegExp(
  `^P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
)
const UNIT_SECONDS = [365 * 86_400, 30 * 86_400, 7 * 86_400, 86_400, 3_600, 60, 1] as const

/** Seconds of the duration, or `undefined` when the text is not an ISO-8601 duration. */
export function durationSeconds(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m) return undefined
  const parts = m.slice(1)
  if (parts.every((p) => p === undefined)) return undefined // `P` or `PT` alone
  if (/T$/.test(text.trim())) return undefined // `P1DT`: a T needs a time part after it
  const seconds = parts.reduce((sum, p, i) => (p === undefined ? sum : sum + Number(p.replace(',', '.')) * UNIT_SECONDS[i]!), 0)
  // Fractions such as PT0.1S must not come out as 0.10000000000000001.
  return Math.round(seconds * 1000) / 1000
}
