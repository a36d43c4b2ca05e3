// The reference DUT's ICS and IXIT as the export tests read them.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { IcsDocument, IxitDocument } from '../../../ixit/documents.ts'

const dir = new URL('../../../examples/reference-dut/', import.meta.url)

export function referenceDocuments(): { ics: IcsDocument; ixit: IxitDocument } {
  return {
    ics: parse(readFileSync(new URL('ics.yaml', dir), 'utf8')) as IcsDocument,
    ixit: parse(readFileSync(new URL('ixit.yaml', dir), 'utf8')) as IxitDocument,
  }
}

export const TITLE = 'TS701-REF-1: ICS and IXIT'
