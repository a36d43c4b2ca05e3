/**
 * The device's own words about an upload, where the profile extracts them: whether it accepted
 * it and its message. Whether a value means accepted is read with the profile's receipt table
 * where it declares one (a device saying `update_rc=0` for yes), else with the shared verdict
 * words, the same on every channel. They are optional: what could not be read is said in the
 * receipt, never thrown, because the outcome decides.
 */
import type { Extract } from '../../profile/types.ts'
import { VERDICT } from '../../core/yesno.ts'
import { asBoolean, asText, describeValue, ExtractError } from './extract.ts'

/** Which values of `accepted` mean the device accepted or refused the upload, compared as text. */
export interface ReceiptTable {
  accepted: string[]
  refused: string[]
}

export interface DeviceWords {
  accepted?: boolean
  /** The device's message first, then what could not be read, in parentheses. */
  said: string[]
}

export function deviceWords(
  extract: { accepted?: Extract; message?: Extract } | undefined,
  read: (ex: Extract, what: string) => unknown,
  table?: ReceiptTable,
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
  if (extract?.accepted) take(() => (words.accepted = acceptedBy(read(extract.accepted!, 'accepted'), table)))
  if (extract?.message) take(() => words.said.push(asText(read(extract.message!, 'message'))))
  words.said.push(...problems)
  return words
}

/**
 * `accepted` as the table reads it: only its values count, and a number the device sends equals
 * the same digits in the table (`0` and `"0"`). Without a table, the shared verdict words.
 */
export function acceptedBy(value: unknown, table: ReceiptTable | undefined): boolean {
  if (!table) return asBoolean(value, 'accepted', VERDICT)
  const text = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value).trim() : undefined
  if (text !== undefined && table.accepted.includes(text)) return true
  if (text !== undefined && table.refused.includes(text)) return false
  const list = (values: string[]) => (values.length > 0 ? values.map((v) => JSON.stringify(v)).join(', ') : 'none')
  throw new ExtractError(
    `accepted: expected a value of the receipt table (accepted: ${list(table.accepted)}; refused: ${list(table.refused)}), found ${describeValue(value)}`,
  )
}
