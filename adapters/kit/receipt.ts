/**
 * The device's own words about an upload, where the profile extracts them: whether it accepted
 * it (read with the verdict table, the same on every channel) and its message. They are optional:
 * what could not be read is said in the receipt, never thrown, because the outcome decides.
 */
import type { Extract } from '../../profile/types.ts'
import { VERDICT } from '../../core/yesno.ts'
import { asBoolean, asText, ExtractError } from './extract.ts'

export interface DeviceWords {
  accepted?: boolean
  /** The device's message first, then what could not be read, in parentheses. */
  said: string[]
}

export function deviceWords(
  extract: { accepted?: Extract; message?: Extract } | undefined,
  read: (ex: Extract, what: string) => unknown,
): DeviceWords {
  const words: DeviceWords = { said: [] }
  const problems: string[] = []
  const take = (run: () => void) => {
    try {
      run()
    } catch (err) {
      if (!(err instanceof ExtractError)) throw err
      problems.push(`(${err.message})`)
    }
  }
  if (extract?.accepted) take(() => (words.accepted = asBoolean(read(extract.accepted!, 'accepted'), 'accepted', VERDICT)))
  if (extract?.message) take(() => words.said.push(asText(read(extract.message!, 'message'))))
  words.said.push(...problems)
  return words
}
