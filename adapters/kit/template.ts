/**
 * `{{…}}` placeholders in what the profile templates (request paths, headers and bodies, topics
 * and payloads, console commands), filled the same way on every channel. A value is escaped only
 * where the text it lands in needs it: a URL path, a regular expression.
 */
import { randomBytes } from 'node:crypto'
import { fillPlaceholders } from '../../profile/templates.ts'
import { DutError, type Operation } from '../../core/dut.ts'

/** The values an operation fills; a name present with `undefined` is one it fills, but not this time. */
export type Vars = Record<string, string | undefined>

export type Escape = (value: string) => string

export const asIs: Escape = (value) => value

/** For a URL path or query: a value never adds a path segment or a parameter. */
export const uriComponent: Escape = encodeURIComponent

/** For a regular expression: a value is matched literally. */
export const regexLiteral: Escape = (value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export interface FillOptions {
  op: Operation
  /** Names the template in messages: `the request template`, `the command template "…"`. */
  what: string
  escape?: Escape
}

/** Fills the placeholders; one the operation does not fill is a mistake of the profile (E_DUT_PROTOCOL). */
export function fill(text: string, vars: Vars, o: FillOptions): string {
  const escape = o.escape ?? asIs
  return fillPlaceholders(
    text,
    (name) => {
      const value = vars[name]
      return value === undefined ? undefined : escape(value)
    },
    (name) => {
      const why = name in vars ? 'has no value here' : 'is not filled by this operation'
      throw new DutError('E_DUT_PROTOCOL', o.op, `${o.what} uses {{${name}}}, which ${why}`)
    },
  )
}

/** A fresh `{{requestId}}`, to correlate a request with its reply. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex')
}
