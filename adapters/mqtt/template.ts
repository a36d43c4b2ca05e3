/**
 * `{{…}}` placeholders in topics, payloads and reply matches: `{{requestId}}` (fresh for each
 * exchange), `{{image.…}}` for deliveries and `{{chunk.…}}` for chunk topics.
 */
import { randomBytes } from 'node:crypto'
import { fillPlaceholders } from '../../profile/templates.ts'
import { DutError, type Operation } from '../../core/dut.ts'

export type Vars = Record<string, string | undefined>

/** A random ID to correlate a request with its reply. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex')
}

export function fill(text: string, vars: Vars, op: Operation, encode: (value: string) => string = (v) => v): string {
  return fillPlaceholders(
    text,
    (name) => {
      const value = vars[name]
      return value === undefined ? undefined : encode(value)
    },
    (name) => {
      const why = name in vars ? 'has no value here' : 'is not filled by this operation'
      throw new DutError('E_DUT_PROTOCOL', op, `the message template uses {{${name}}}, which ${why}`)
    },
  )
}

/** For regular expressions: values are matched literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
