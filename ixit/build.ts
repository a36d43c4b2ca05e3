/**
 * Builds the typed Assessment from schema-valid documents: fills the defaults for fields a
 * supplier may omit and records where each entry was written.
 */
import { basename, resolve } from 'node:path'
import type { DecisionsDocument, IcsDocument, IxitDocument } from './documents.ts'
import type { SourceDoc } from './source.ts'
import type { Assessment, Decision, Ics, IcsEntry, Ixit } from './types.ts'

export interface ValidDocument<T> {
  doc: SourceDoc
  data: T
}

export interface ValidDocuments {
  dir: string
  ics: ValidDocument<IcsDocument>
  ixit: ValidDocument<IxitDocument>[]
  decisions?: ValidDocument<DecisionsDocument>
}

export function buildAssessment(input: ValidDocuments): Assessment {
  const ixit = buildIxit(input.ixit)
  const designation = ixit['2-UserInfo'].find((u) => u.modelDesignation.trim() !== '')?.modelDesignation
  return {
    dir: input.dir,
    dut: designation ?? basename(resolve(input.dir)),
    ics: buildIcs(input.ics),
    ixit,
    decisions: input.decisions ? buildDecisions(input.decisions) : [],
  }
}

function buildIcs({ doc, data }: ValidDocument<IcsDocument>): Ics {
  const provisions: Record<string, IcsEntry> = {}
  for (const [provision, entry] of Object.entries(data.provisions)) {
    // The provision key is the line an assessor looks for, so the entry is placed there.
    provisions[provision] = { provision, ...entry, source: doc.locate(['provisions', provision], 'key') }
  }
  return { file: doc.file, constrained: data.constrained, provisions }
}

function buildIxit(files: readonly ValidDocument<IxitDocument>[]): Ixit {
  const ixit: Ixit = {
    files: files.map((f) => f.doc.file),
    '2-UserInfo': [],
    '4-Conf': [],
    '6-SoftComp': [],
    '7-UpdMech': [],
    '8-UpdProc': [],
    '9-ReplSup': [],
    '26-UserDec': [],
  }
  for (const { doc, data } of files) {
    const at = (table: string, i: number) => doc.locate([table, i])
    data['2-UserInfo']?.forEach((e, i) =>
      ixit['2-UserInfo'].push({
        ...e,
        publicationOfNonUpdatable: e.publicationOfNonUpdatable ?? '',
        documentationOfReplacement: e.documentationOfReplacement ?? '',
        facts: e.facts ?? {},
        source: at('2-UserInfo', i),
      }),
    )
    data['4-Conf']?.forEach((e, i) => ixit['4-Conf'].push({ ...e, source: at('4-Conf', i) }))
    data['6-SoftComp']?.forEach((e, i) =>
      ixit['6-SoftComp'].push({
        ...e,
        notUpdatableJustification: e.notUpdatableJustification ?? '',
        facts: e.facts ?? {},
        source: at('6-SoftComp', i),
      }),
    )
    data['7-UpdMech']?.forEach((e, i) => ixit['7-UpdMech'].push({ ...e, facts: e.facts ?? {}, source: at('7-UpdMech', i) }))
    data['8-UpdProc']?.forEach((e, i) => ixit['8-UpdProc'].push({ ...e, source: at('8-UpdProc', i) }))
    data['9-ReplSup']?.forEach((e, i) => ixit['9-ReplSup'].push({ ...e, source: at('9-ReplSup', i) }))
    data['26-UserDec']?.forEach((e, i) => ixit['26-UserDec'].push({ ...e, facts: e.facts ?? {}, source: at('26-UserDec', i) }))
  }
  return ixit
}

function buildDecisions({ doc, data }: ValidDocument<DecisionsDocument>): Decision[] {
  return data.decisions.map((d, i) => ({ ...d, source: doc.locate(['decisions', i]) }))
}
