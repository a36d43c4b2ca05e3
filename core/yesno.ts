/**
 * The words devices use for yes and no, read the same on every channel: a device answering
 * `active` means the same over HTTP, MQTT or its console. Matching ignores case and surrounding
 * white space.
 */

export interface YesNoTable {
  readonly yes: ReadonlySet<string>
  readonly no: ReadonlySet<string>
  /** For messages: "expected <this>, found …". */
  readonly expected: string
}

const SWITCH_YES = ['true', 'yes', '1', 'on', 'enabled', 'enable', 'active']
const SWITCH_NO = ['false', 'no', '0', 'off', 'disabled', 'disable', 'inactive']

/** Settings (automatic updates, notifications): only words that describe a state. */
export const SWITCH: YesNoTable = {
  yes: new Set(SWITCH_YES),
  no: new Set(SWITCH_NO),
  expected: 'a yes/no value (true/false, on/off, enabled/disabled, 1/0)',
}

/**
 * What a device says about an upload it received: the switch words, and the words of a verdict.
 * `error` is a verdict here, never a setting: a settings answer saying `error` is not "off".
 */
export const VERDICT: YesNoTable = {
  yes: new Set([...SWITCH_YES, 'ok', 'accepted', 'success', 'passed', 'valid']),
  no: new Set([...SWITCH_NO, 'rejected', 'refused', 'error', 'failed', 'fail', 'invalid']),
  expected: 'an accepted/rejected value (ok/failed, accepted/rejected, true/false, 1/0)',
}

/** true or false as the table reads the value; undefined when it is neither. */
export function yesNo(table: YesNoTable, value: string | number | boolean): boolean | undefined {
  if (typeof value === 'boolean') return value
  const word = String(value).trim().toLowerCase()
  if (table.yes.has(word)) return true
  if (table.no.has(word)) return false
  return undefined
}
