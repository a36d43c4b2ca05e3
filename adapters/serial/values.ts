/** Values the device prints, read as the suites need them. */
import { DutError, type Operation } from '../../core/dut.ts'
import { excerpt } from './transcript.ts'

const ON = new Set(['on', 'true', '1', 'enabled', 'yes'])
const OFF = new Set(['off', 'false', '0', 'disabled', 'no'])

/** A setting: on/off, true/false, 1/0, enabled/disabled, yes/no (any case). */
export function parseSwitch(op: Operation, value: string, what: string): boolean {
  const v = value.trim().toLowerCase()
  if (ON.has(v)) return true
  if (OFF.has(v)) return false
  throw new DutError('E_DUT_PROTOCOL', op, `${what}: expected on/off, true/false, 1/0, enabled/disabled or yes/no, found ${excerpt(value, 60)}`)
}

const ACCEPTED = new Set([...ON, 'ok', 'accepted', 'success', 'passed', 'valid'])
const REFUSED = new Set([...OFF, 'rejected', 'refused', 'error', 'failed', 'fail', 'invalid'])

/** What a device says about an upload; undefined when the word means neither. */
export function parseVerdict(value: string): boolean | undefined {
  const v = value.trim().toLowerCase()
  if (ACCEPTED.has(v)) return true
  if (REFUSED.has(v)) return false
  return undefined
}
