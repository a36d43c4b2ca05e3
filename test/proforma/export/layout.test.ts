import { describe, expect, it } from 'vitest'
import { layout, type Block } from '../../../proforma/export/layout.ts'
import type { IxitDocument } from '../../../ixit/documents.ts'
import { referenceDocuments, TITLE } from './reference.ts'

const { ics, ixit } = referenceDocuments()
const blocks = layout({ ics, ixit }, { title: TITLE })

/** The table right after the heading with this text. */
function tableAfter(all: Block[], heading: string): string[][] {
  const i = all.findIndex((b) => b.kind === 'heading' && b.text === heading)
  const next = all[i + 1]
  if (i < 0 || next?.kind !== 'table') throw new Error(`no table after heading ${heading}`)
  return next.rows
}

function entry<K extends keyof IxitDocument>(table: K, id: string) {
  const found = (ixit[table] as { id: string }[] | undefined)?.find((e) => e.id === id)
  if (!found) throw new Error(`${id} missing from the reference IXIT`)
  return found as Record<string, unknown>
}

describe('layout', () => {
  it('starts with the title and a note on where the file comes from', () => {
    expect(blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'TS701-REF-1: ICS and IXIT' })
    expect(blocks[1]?.kind).toBe('paragraph')
    expect(blocks[1]?.kind === 'paragraph' && blocks[1].text).toMatch(/ts701 export.*ts701 import/s)
  })

  it('gives every table and entry a heading, in table order and document order', () => {
    const headings = blocks.filter((b) => b.kind === 'heading').map((b) => `${b.level} ${b.text}`)
    expect(headings).toEqual([
      '1 TS701-REF-1: ICS and IXIT',
      '2 ICS: Implementation Conformance Statement',
      '2 IXIT 2-UserInfo: User Information',
      '3 UserInfo-1',
      '2 IXIT 4-Conf: Confirmations',
      '3 Conf-1',
      '2 IXIT 6-SoftComp: Software Components',
      '3 SoftComp-BootROM',
      '3 SoftComp-Firmware',
      '3 SoftComp-WebUI',
      '2 IXIT 7-UpdMech: Update Mechanisms',
      '3 UpdMech-Network',
      '3 UpdMech-LocalUpload',
      '2 IXIT 8-UpdProc: Update Procedures',
      '3 UpdProc-1',
      '3 UpdProc-2',
      '2 IXIT 9-ReplSup: Replacement Support',
      '3 ReplSup-1',
      '2 IXIT 26-UserDec: User Decisions',
      '3 UserDec-AutoUpdates',
      '3 UserDec-Notifications',
    ])
    // Every heading 3 is followed by exactly one table.
    blocks.forEach((b, i) => {
      if (b.kind === 'heading' && b.level === 3) expect(blocks[i + 1]?.kind).toBe('table')
    })
  })

  it('writes an update mechanism as its heading and a Field/Value table in spec order', () => {
    const e = entry('7-UpdMech', 'UpdMech-Network')
    const i = blocks.findIndex((b) => b.kind === 'heading' && b.text === 'UpdMech-Network')
    expect(blocks.slice(i, i + 3)).toEqual([
      { kind: 'heading', level: 3, text: 'UpdMech-Network' },
      {
        kind: 'table',
        rows: [
          ['Field', 'Value'],
          ['Description', e.description],
          ['Security Guarantees', e.securityGuarantees],
          ['Cryptographic Details', e.cryptographicDetails],
          ['Initiation and Interaction', e.initiationAndInteraction],
          ['Configuration', e.configuration],
          ['Update Checking', e.updateChecking],
          ['User Notification', e.userNotification],
          [
            'Facts (ts701)',
            '{delivery: network, verifiedBy: dut, guarantees: [integrity, authenticity], integrityProtection: signature, ' +
              'signature: {algorithm: ECDSA, keySize: 256, hash: SHA-256, curve: P-256}, ' +
              'transport: {protocol: HTTPS, minTlsVersion: "1.2", serverAuthenticated: true}, antiRollback: true, targetBound: true, ' +
              'verifiedBeforeInstall: true, initiation: automatic, automaticUpdates: {enabledByDefault: true, userCan: [enable, disable, postpone]}, ' +
              'notifications: {enabledByDefault: true, userCan: [enable, disable, postpone], ' +
              'kinds: [available, security-required, security-required-with-risks, disruption], shownOn: [device, app]}, ' +
              'checking: {by: dut, afterInitialization: true, period: P1D}, disruptsBasicFunctioning: true}',
          ],
        ],
      },
      { kind: 'heading', level: 3, text: 'UpdMech-LocalUpload' },
    ])
    expect(e.description).toMatch(/^Over-the-air update client of the firmware; .* leaves the previous version active\.$/s)
  })

  it('writes the ICS as the constrained answer and one row per provision in document order', () => {
    const i = blocks.findIndex((b) => b.kind === 'heading' && b.text === 'ICS: Implementation Conformance Statement')
    expect(blocks[i + 1]).toEqual({
      kind: 'table',
      rows: [
        ['Field', 'Value'],
        ['Constrained device', 'No'],
      ],
    })
    const provisions = blocks[i + 2]
    if (provisions?.kind !== 'table') throw new Error('no provisions table')
    expect(provisions.rows[0]).toEqual(['Provision', 'Status', 'Support', 'Detail'])
    expect(provisions.rows.slice(1).map((r) => r[0])).toEqual([
      '5.3-1', '5.3-2', '5.3-3', '5.3-4', '5.3-4A', '5.3-4B', '5.3-5', '5.3-6', '5.3-6A', '5.3-6B', '5.3-7',
      '5.3-8', '5.3-9', '5.3-10', '5.3-11', '5.3-12', '5.3-13', '5.3-14', '5.3-15', '5.3-15A', '5.3-15B', '5.3-16',
    ]) // prettier-ignore
    expect(provisions.rows[1]).toEqual(['5.3-1', '', 'Y', ics.provisions['5.3-1']?.detail])
    expect(provisions.rows[19]).toEqual([
      '5.3-15',
      '',
      'N/A',
      'Not applicable under EN 303 645 V2.1.1: the provision applies to constrained devices only (condition 4), and the device is not constrained.',
    ])
    expect(provisions.rows.every((r) => r.length === 4)).toBe(true)
  })

  it('writes a status the ICS gives, and Yes for a constrained device', () => {
    const own = layout(
      {
        ics: { constrained: true, provisions: { '5.3-2': { status: 'M C(4)', support: 'Y', detail: 'signed images' } } },
        ixit: {},
      },
      { title: 'T' },
    )
    expect(own.slice(2)).toEqual([
      { kind: 'heading', level: 2, text: 'ICS: Implementation Conformance Statement' },
      {
        kind: 'table',
        rows: [
          ['Field', 'Value'],
          ['Constrained device', 'Yes'],
        ],
      },
      {
        kind: 'table',
        rows: [
          ['Provision', 'Status', 'Support', 'Detail'],
          ['5.3-2', 'M C(4)', 'Y', 'signed images'],
        ],
      },
    ])
  })

  it('leaves out optional fields an entry does not have, and keeps them where it has', () => {
    expect(tableAfter(blocks, 'SoftComp-Firmware').map((r) => r[0])).toEqual([
      'Field',
      'Description',
      'Update Mechanism',
      'Cryptographic Usage',
    ])
    const bootRom = entry('6-SoftComp', 'SoftComp-BootROM')
    expect(tableAfter(blocks, 'SoftComp-BootROM').slice(3)).toEqual([
      ['Cryptographic Usage', bootRom.cryptographicUsage],
      ['Justification', bootRom.notUpdatableJustification],
      ['Facts (ts701)', '{immutable: true}'],
    ])
    expect(tableAfter(blocks, 'UpdProc-1').map((r) => r[0])).toEqual(['Field', 'Description', 'Time Frame'])
  })

  it('writes a present empty string as an empty cell', () => {
    const own = layout({ ixit: { '8-UpdProc': [{ id: 'UpdProc-X', description: 'Fix and ship.', timeFrame: '' }] } }, { title: 'T' })
    expect(tableAfter(own, 'UpdProc-X')).toEqual([
      ['Field', 'Value'],
      ['Description', 'Fix and ship.'],
      ['Time Frame', ''],
    ])
  })

  it('writes an empty list of update mechanisms as None, and a list comma-separated', () => {
    expect(tableAfter(blocks, 'SoftComp-BootROM')[2]).toEqual(['Update Mechanism', 'None'])
    expect(tableAfter(blocks, 'SoftComp-Firmware')[2]).toEqual(['Update Mechanism', 'UpdMech-Network, UpdMech-LocalUpload'])
    expect(tableAfter(blocks, 'SoftComp-WebUI')[2]).toEqual(['Update Mechanism', 'UpdMech-Network'])
  })

  it('writes a confirmation as Yes or No', () => {
    expect(tableAfter(blocks, 'Conf-1')[3]).toEqual(['Confirmed', 'Yes'])
    const own = layout({ ixit: { '4-Conf': [{ id: 'Conf-2', subject: 's', statement: 't', confirmed: false }] } }, { title: 'T' })
    expect(tableAfter(own, 'Conf-2')[3]).toEqual(['Confirmed', 'No'])
  })

  it('has no ICS section without an ICS, and no section for a table the IXIT lacks', () => {
    const own = layout(
      { ixit: { '9-ReplSup': [{ id: 'ReplSup-1', isolation: 'unplug', hardwareReplacement: 'exchange' }] } },
      { title: 'T' },
    )
    expect(own.slice(2)).toEqual([
      { kind: 'heading', level: 2, text: 'IXIT 9-ReplSup: Replacement Support' },
      { kind: 'heading', level: 3, text: 'ReplSup-1' },
      {
        kind: 'table',
        rows: [
          ['Field', 'Value'],
          ['Isolation', 'unplug'],
          ['Hardware Replacement', 'exchange'],
        ],
      },
    ])
  })
})
