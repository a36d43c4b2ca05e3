import { describe, expect, it } from 'vitest'
import { looksLikeEntryId, matchField, matchTable, normalizeEntryId, provisionId, supportAnswer } from '../../proforma/match.ts'
import { tableSpec } from '../../proforma/tables.ts'

describe('names as suppliers write them', () => {
  it('finds the IXIT table from its number, its name or an entry ID', () => {
    const cases: Array<[string, string | undefined]> = [
      ['IXIT 7-UpdMech', '7-UpdMech'],
      ['ixit 7 - update mechanisms', '7-UpdMech'],
      ['Update Mechanism(s)', '7-UpdMech'],
      ['UPDMECH', '7-UpdMech'],
      ['IXIT 6-SoftComp: Software components', '6-SoftComp'],
      ['26-UserDec', '26-UserDec'],
      ['UpdMech-Network', '7-UpdMech'],
      // A document's own table numbering is not the IXIT number.
      ['Table 2: Update mechanisms', '7-UpdMech'],
      ['Sheet1', undefined],
      ['ICS', undefined],
    ]
    expect(cases.map(([t]) => [t, matchTable(t)?.id])).toEqual(cases)
  })

  it('maps field headings in the wordings of both editions, numbered or not', () => {
    const fields = tableSpec('7-UpdMech').fields
    const cases: Array<[string, string | undefined]> = [
      ['Security Guarantees', 'securityGuarantees'],
      ['security guarantee(s)', 'securityGuarantees'],
      ['2. Cryptographic details', 'cryptographicDetails'],
      ['Initiation & Interaction', 'initiationAndInteraction'],
      ['a) Configuration', 'configuration'],
      ['USER NOTIFICATION', 'userNotification'],
      ['Update checking:', 'updateChecking'],
      ['7-UpdMech-1 Description', 'description'],
      ['Vendor remarks', undefined],
    ]
    expect(cases.map(([h]) => [h, matchField(h, fields)?.key])).toEqual(cases)
  })

  it("writes entry IDs as ts701 does, without the table's number", () => {
    expect(['7-UpdMech-1', 'UpdMech 2', ' UpdMech - OTA ', 'IXIT 7-UpdMech-3'].map(normalizeEntryId)).toEqual([
      'UpdMech-1',
      'UpdMech-2',
      'UpdMech-OTA',
      'UpdMech-3',
    ])
    expect(looksLikeEntryId('7-UpdMech-1', tableSpec('7-UpdMech'))).toBe(true)
    expect(looksLikeEntryId('Update Mechanisms', tableSpec('7-UpdMech'))).toBe(false)
    expect(looksLikeEntryId('SoftComp-Firmware', tableSpec('7-UpdMech'))).toBe(false)
  })

  it('reads provision IDs and support answers in their usual spellings', () => {
    expect(['5.3-1', 'Provision 5.3-4a', '5.3 - 13', '5.4-1'].map(provisionId)).toEqual(['5.3-1', '5.3-4A', '5.3-13', undefined])
    expect(['Y', 'yes', 'N', 'No', 'N/A', 'n.a.', 'Not applicable', 'maybe'].map(supportAnswer)).toEqual([
      'Y',
      'Y',
      'N',
      'N',
      'N/A',
      'N/A',
      'N/A',
      undefined,
    ])
  })
})
