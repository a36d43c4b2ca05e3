/** The regular expressions of the profile (expect patterns, prompts, items), compiled once. */
import { DutError, type Operation } from '../../core/dut.ts'

const cache = new Map<string, RegExp>()

/**
 * A regex of the profile. `expect` patterns run with the `m` flag, so `^` and `$` match at the
 * line breaks of the cleaned output; line patterns (prompts, items) run on one line at a time.
 */
export function pattern(op: Operation, source: string, what: string, flags = ''): RegExp {
  const key = `${flags}/${source}`
  let re = cache.get(key)
  if (!re) {
    try {
      re = new RegExp(source, flags)
    } catch (err) {
      throw new DutError(
        'E_DUT_PROTOCOL',
        op,
        `${what} /${source}/ of the DUT profile is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`,
      )
    }
    cache.set(key, re)
  }
  // A fresh copy, so `lastIndex` of global patterns is never shared.
  return new RegExp(re.source, re.flags)
}
