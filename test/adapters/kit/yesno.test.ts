import { describe, expect, it } from 'vitest'
import { SWITCH, VERDICT, yesNo } from '../../../core/yesno.ts'
import { asBoolean, ExtractError } from '../../../adapters/kit/extract.ts'

describe('yes/no tables', () => {
  it('reads settings switches in any case, with white space around', () => {
    for (const yes of ['true', 'ON', ' Enabled ', 'enable', 'yes', '1', 'active', 'Active']) expect(yesNo(SWITCH, yes), yes).toBe(true)
    for (const no of ['false', 'Off', 'DISABLED', 'disable', 'no', '0', 'inactive']) expect(yesNo(SWITCH, no), no).toBe(false)
    expect(yesNo(SWITCH, true)).toBe(true)
    expect(yesNo(SWITCH, 0)).toBe(false)
  })

  it('keeps verdict words out of settings: ok, error or failed say nothing about a switch', () => {
    for (const word of ['ok', 'accepted', 'rejected', 'error', 'failed', 'maybe', '2', ''])
      expect(yesNo(SWITCH, word), word).toBeUndefined()
  })

  it('reads upload verdicts: the switch words and the words of a verdict', () => {
    for (const yes of ['ok', 'Accepted', 'success', 'passed', 'valid', 'true', 'on', '1']) expect(yesNo(VERDICT, yes), yes).toBe(true)
    for (const no of ['rejected', 'refused', 'ERROR', 'failed', 'fail', 'invalid', 'false', 'off', '0'])
      expect(yesNo(VERDICT, no), no).toBe(false)
    expect(yesNo(VERDICT, 'queued')).toBeUndefined()
  })

  it('says what was expected when a value reads as neither', () => {
    expect(asBoolean('Enabled', 'automaticUpdates')).toBe(true)
    expect(() => asBoolean('sometimes', 'automaticUpdates')).toThrow(
      new ExtractError('automaticUpdates: expected a yes/no value (true/false, on/off, enabled/disabled, 1/0), found "sometimes"'),
    )
    expect(() => asBoolean({ on: true }, 'notifications')).toThrow(
      /^notifications: expected a yes\/no value .*, found an object \{"on":true\}$/,
    )
    expect(() => asBoolean('queued', 'accepted', VERDICT)).toThrow(
      'accepted: expected an accepted/rejected value (ok/failed, accepted/rejected, true/false, 1/0), found "queued"',
    )
  })
})
