/**
 * The pro-forma tables as a supplier fills them in: each IXIT table's number, name and fields,
 * with the other wordings suppliers use for them (both TS 103 701 editions, abbreviations,
 * singular or plural). Import matches against these names; export prints the titles.
 */
import type { IxitTableId } from '../ixit/types.ts'

/**
 * How a cell's text becomes a document value: prose kept verbatim, a list of entry IDs, a yes/no
 * answer, or ts701's structured facts written as YAML in one cell.
 */
export type FieldKind = 'id' | 'text' | 'ids' | 'yesno' | 'facts'

export interface FieldSpec {
  /** The key in ixit.yaml. */
  key: string
  /** The heading export prints. */
  title: string
  /** Other headings meaning the same field. */
  aliases: readonly string[]
  kind: FieldKind
}

export interface TableSpec {
  id: IxitTableId
  number: number
  /** What an entry ID starts with, e.g. `UpdMech` in `UpdMech-Network`. */
  prefix: string
  title: string
  aliases: readonly string[]
  fields: readonly FieldSpec[]
}

const id: FieldSpec = {
  key: 'id',
  title: 'ID',
  aliases: ['Identifier', 'Reference', 'Ref', 'Entry', 'Entry ID', 'No', 'Nr', 'Number', 'Item'],
  kind: 'id',
}
const facts: FieldSpec = { key: 'facts', title: 'Facts (ts701)', aliases: ['Facts', 'Structured facts', 'ts701 facts'], kind: 'facts' }
const text = (key: string, title: string, ...aliases: string[]): FieldSpec => ({ key, title, aliases, kind: 'text' })

export const TABLES: readonly TableSpec[] = [
  {
    id: '2-UserInfo',
    number: 2,
    prefix: 'UserInfo',
    title: 'User Information',
    aliases: ['UserInfo', 'User Info', 'Information for users', 'User documentation'],
    fields: [
      id,
      text('modelDesignation', 'Model Designation', 'Model', 'Model name', 'Device model', 'Product designation'),
      text('supportPeriod', 'Support Period', 'Defined support period', 'Support period of the device'),
      text(
        'publicationOfSupportPeriod',
        'Publication of Support Period',
        'Support period publication',
        'How the support period is published',
      ),
      text(
        'publicationOfNonUpdatable',
        'Publication of Non-Updatable',
        'Publication of non updatable components',
        'Publication of the non-updatable status',
        'Rationale for non-updatable publication',
      ),
      text(
        'documentationOfReplacement',
        'Documentation of Replacement',
        'Replacement documentation',
        'Documentation of hardware replacement',
      ),
      facts,
    ],
  },
  {
    id: '4-Conf',
    number: 4,
    prefix: 'Conf',
    title: 'Confirmations',
    aliases: ['Conf', 'Confirmation', 'Supplier confirmations'],
    fields: [
      id,
      text('subject', 'Subject', 'Topic', 'Confirmation of'),
      text('statement', 'Statement', 'Confirmation', 'Description', 'Confirmation text'),
      { key: 'confirmed', title: 'Confirmed', aliases: ['Answer', 'Yes/No', 'Confirmed (Yes/No)', 'Value'], kind: 'yesno' },
    ],
  },
  {
    id: '6-SoftComp',
    number: 6,
    prefix: 'SoftComp',
    title: 'Software Components',
    aliases: ['SoftComp', 'Software Component', 'Software'],
    fields: [
      id,
      text('description', 'Description', 'Component', 'Component description'),
      {
        key: 'updateMechanisms',
        title: 'Update Mechanism',
        aliases: ['Update Mechanisms', 'UpdMech', 'Update Mechanism IDs', 'Updated by'],
        kind: 'ids',
      },
      text('cryptographicUsage', 'Cryptographic Usage', 'Crypto usage', 'Use of cryptography', 'Cryptography'),
      text(
        'notUpdatableJustification',
        'Justification',
        'Justification for not updatable',
        'Reason not updatable',
        'Not updatable justification',
      ),
      facts,
    ],
  },
  {
    id: '7-UpdMech',
    number: 7,
    prefix: 'UpdMech',
    title: 'Update Mechanisms',
    aliases: ['UpdMech', 'Update Mechanism', 'Software update mechanisms', 'Update methods'],
    fields: [
      id,
      text('description', 'Description', 'Mechanism', 'Mechanism description', 'Description of the update mechanism'),
      text('securityGuarantees', 'Security Guarantees', 'Security guarantee', 'Security objectives', 'Guarantees'),
      text('cryptographicDetails', 'Cryptographic Details', 'Crypto details', 'Cryptography', 'Cryptographic detail'),
      text('initiationAndInteraction', 'Initiation and Interaction', 'Initiation', 'Initiation & interaction', 'User interaction'),
      text('configuration', 'Configuration', 'Configuration options', 'Settings'),
      text('updateChecking', 'Update Checking', 'Update check', 'Checking for updates', 'Update checks'),
      text('userNotification', 'User Notification', 'Notification', 'Notifications', 'User notifications'),
      facts,
    ],
  },
  {
    id: '8-UpdProc',
    number: 8,
    prefix: 'UpdProc',
    title: 'Update Procedures',
    aliases: ['UpdProc', 'Update Procedure', 'Security update procedures', 'Vulnerability handling'],
    fields: [
      id,
      text('description', 'Description', 'Procedure', 'Procedure description'),
      text('timeFrame', 'Time Frame', 'Timeframe', 'Time frames', 'Deadline'),
    ],
  },
  {
    id: '9-ReplSup',
    number: 9,
    prefix: 'ReplSup',
    title: 'Replacement Support',
    aliases: ['ReplSup', 'Replacement', 'Hardware replacement support'],
    fields: [
      id,
      text('isolation', 'Isolation', 'Isolation capability', 'Isolation of the device'),
      text('hardwareReplacement', 'Hardware Replacement', 'Replacement of hardware', 'Hardware replacement support'),
    ],
  },
  {
    id: '26-UserDec',
    number: 26,
    prefix: 'UserDec',
    title: 'User Decisions',
    aliases: ['UserDec', 'User Decision', 'Decisions of the user'],
    fields: [
      id,
      text('description', 'Description', 'Decision', 'Decision description'),
      text('options', 'Options', 'Option', 'Choices', 'Options (default)'),
      text('triggeredBy', 'Triggered By', 'Trigger', 'Triggered', 'When asked'),
      facts,
    ],
  },
]

/** The ICS as a table: one row per provision, plus the device-wide "constrained" answer. */
export const ICS_TABLE = {
  title: 'Implementation Conformance Statement',
  aliases: ['ICS', 'Conformance statement', 'ICS pro forma', 'ICS proforma'],
  fields: [
    { key: 'provision', title: 'Provision', aliases: ['Provision ID', 'Reference', 'Ref', 'Clause', 'Item', 'ID'], kind: 'id' },
    { key: 'status', title: 'Status', aliases: ['Status (M/R/C)', 'Requirement status'], kind: 'text' },
    { key: 'support', title: 'Support', aliases: ['Supported', 'Support (Y/N/N/A)', 'Answer', 'Y/N'], kind: 'text' },
    {
      key: 'detail',
      title: 'Detail',
      aliases: ['Details', 'Comments', 'Comment', 'Measures', 'Reference to measures', 'Justification', 'Remarks', 'Notes'],
      kind: 'text',
    },
  ] satisfies readonly FieldSpec[],
  constrained: { title: 'Constrained device', aliases: ['Constrained', 'Is the device constrained', 'Device is constrained'] },
} as const

export function tableSpec(table: IxitTableId): TableSpec {
  const spec = TABLES.find((t) => t.id === table)
  if (!spec) throw new Error(`no pro-forma table ${table}`)
  return spec
}
