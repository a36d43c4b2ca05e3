const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

// Calendar units are taken at their nominal length: the result compares periods, it does not
// schedule anything on a calendar.
const SECONDS = [365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1]

/** Seconds in an ISO-8601 duration such as `P1D` or `PT6H`; `undefined` if it is not one. */
export function durationSeconds(text: string): number | undefined {
  const match = ISO_DURATION.exec(text)
  if (!match || text === 'P' || text.endsWith('T')) return undefined
  return match.slice(1).reduce((sum, part, i) => sum + (part ? Number(part) * SECONDS[i]! : 0), 0)
}
