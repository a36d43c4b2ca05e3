import { describe, expect, it } from 'vitest'
import { assemble } from '../../proforma/assemble.ts'
import type { Grid } from '../../proforma/grid.ts'

const grid = (rows: string[][], headings: string[] = [], caption = '', file = 'supplier.md'): Grid => ({
  origin: { file, where: 'line 1' },
  headings,
  caption,
  rows,
})

const UPDMECH_HEADER = [
  'ID',
  'Description',
  'Security Guarantees',
  'Cryptographic Details',
  'Initiation and Interaction',
  'Configuration',
  'Update Checking',
  'User Notification',
]

describe('grids to IXIT entries', () => {
  it('reads a row per entry under a heading naming the table, IDs without the table number', () => {
    const out = assemble([
      grid(
        [UPDMECH_HEADER, ['7-UpdMech-1', 'd1', 'g1', 'c1', 'i1', 'cf1', 'u1', 'n1'], ['', 'd2', 'g2', 'c2', 'i2', 'cf2', 'u2', 'n2']],
        ['IXIT 7-UpdMech'],
      ),
    ])
    expect(out.problems).toEqual([])
    expect(out.entries.map((e) => e.value)).toEqual([
      {
        id: 'UpdMech-1',
        description: 'd1',
        securityGuarantees: 'g1',
        cryptographicDetails: 'c1',
        initiationAndInteraction: 'i1',
        configuration: 'cf1',
        updateChecking: 'u1',
        userNotification: 'n1',
      },
      // No ID written: numbered in table order, as the pro-forma does.
      {
        id: 'UpdMech-2',
        description: 'd2',
        securityGuarantees: 'g2',
        cryptographicDetails: 'c2',
        initiationAndInteraction: 'i2',
        configuration: 'cf2',
        updateChecking: 'u2',
        userNotification: 'n2',
      },
    ])
  })

  it('reads a field/value table per entry, the entry named by the heading below the table heading', () => {
    const out = assemble([
      grid(
        [
          ['Field', 'Value'],
          ['description', 'Over the air'],
          ['SECURITY GUARANTEES', 'line one\nline two'],
        ],
        ['Supplier documents', 'ixit 7 - update mechanisms', 'OTA'],
      ),
    ])
    expect(out.entries.map((e) => e.value)).toEqual([{ id: 'OTA', description: 'Over the air', securityGuarantees: 'line one\nline two' }])
  })

  it('reads a column per entry when the header row names the entries', () => {
    const out = assemble([
      grid(
        [
          ['Field', 'UpdMech-A', 'UpdMech-B'],
          ['Description', 'a', 'b'],
          ['Update Checking', 'daily', 'never'],
        ],
        ['Update mechanisms'],
      ),
    ])
    expect(out.entries.map((e) => e.value)).toEqual([
      { id: 'UpdMech-A', description: 'a', updateChecking: 'daily' },
      { id: 'UpdMech-B', description: 'b', updateChecking: 'never' },
    ])
  })

  it('keeps columns it cannot map as notes, and says so', () => {
    const out = assemble([
      grid(
        [
          ['ID', 'Description', 'Vendor remarks'],
          ['UpdMech-1', 'd', 'ask Bob'],
        ],
        ['IXIT 7-UpdMech'],
      ),
    ])
    expect(out.entries[0]?.notes).toEqual({ 'Vendor remarks': 'ask Bob' })
    expect(out.entries[0]?.mapped).toEqual(['id', 'description'])
  })

  it('joins a heading merged over two columns and repeats a vertically merged value', () => {
    const out = assemble([
      grid(
        [
          ['ID', 'Description', 'Description', 'Update Checking'],
          ['UpdMech-1', 'first part', 'second part', 'daily'],
          ['UpdMech-2', 'other', 'other', 'daily'],
        ],
        ['UpdMech'],
      ),
    ])
    expect(out.entries.map((e) => [e.value.description, e.value.updateChecking])).toEqual([
      ['first part\nsecond part', 'daily'],
      ['other', 'daily'],
    ])
  })

  it('recognises a table from its column names alone, and reports one it cannot place', () => {
    const out = assemble([
      grid(
        [
          ['Id', 'Description', 'Update Mechanism', 'Cryptographic Usage'],
          ['SoftComp-1', 'firmware', '7-UpdMech-1, UpdMech-2', 'TLS'],
        ],
        [],
        '',
        'notes.md',
      ),
      grid(
        [
          ['Colour', 'Size'],
          ['red', 'L'],
        ],
        ['Appendix'],
      ),
    ])
    expect(out.entries.map((e) => e.value)).toEqual([
      { id: 'SoftComp-1', description: 'firmware', updateMechanisms: ['UpdMech-1', 'UpdMech-2'], cryptographicUsage: 'TLS' },
    ])
    expect(out.problems).toEqual([
      'supplier.md (line 1): not recognised as an ICS or IXIT table (no heading, caption or column names match one); left out',
    ])
  })

  it('reads a confirmation answer and refuses one that is neither yes nor no', () => {
    const out = assemble([
      grid(
        [
          ['ID', 'Subject', 'Statement', 'Confirmed'],
          ['Conf-1', 'update-procedures', 'We do.', 'Yes'],
          ['Conf-2', 'x', 'y', 'perhaps'],
        ],
        ['IXIT 4-Conf'],
      ),
    ])
    expect(out.entries.map((e) => e.value.confirmed)).toEqual([true, undefined])
    expect(out.problems).toEqual(['supplier.md (line 1): 4-Conf Confirmed: "perhaps" is neither yes nor no; left out'])
  })

  it('keeps the first of two entries with one ID and names the clash', () => {
    const out = assemble([
      grid(
        [
          ['ID', 'Description'],
          ['UpdMech-1', 'a'],
          ['UpdMech-1', 'b'],
        ],
        ['UpdMech'],
      ),
    ])
    expect(out.entries.map((e) => e.value.description)).toEqual(['a'])
    expect(out.problems).toEqual(['supplier.md (line 1): UpdMech-1 is also in supplier.md (line 1) with other content; the first is kept'])
  })
})

describe('grids to the ICS', () => {
  it('reads provisions, support answers in words, and the constrained answer', () => {
    const out = assemble([
      grid(
        [
          ['Field', 'Value'],
          ['Constrained device', 'No'],
        ],
        ['ICS'],
      ),
      grid(
        [
          ['Provision', 'Status', 'Support', 'Detail'],
          ['5.3-1', 'R', 'Yes', 'all updatable'],
          ['Provision 5.3-4a', '', 'n/a', 'none'],
          ['5.3-7', '', 'sometimes', 'x'],
        ],
        ['Implementation conformance statement'],
      ),
    ])
    expect(out.ics?.constrained).toBe(false)
    expect(out.ics?.provisions).toEqual({
      '5.3-1': { support: 'Y', detail: 'all updatable', status: 'R' },
      '5.3-4A': { support: 'N/A', detail: 'none' },
    })
    expect(out.problems).toEqual(['supplier.md (line 1): ICS 5.3-7: support "sometimes" is not Y, N or N/A; left out'])
  })
})
