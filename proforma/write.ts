/**
 * The imported documents as YAML a supplier goes on editing: tables and fields in the pro-forma's
 * order, prose folded to a readable width, and a header saying where the file came from and how
 * suggested facts are confirmed.
 */
import { Document, isMap, isScalar, visit } from 'yaml'
import type { IcsDocument, IxitDocument } from '../ixit/documents.ts'

const OPTIONS = { lineWidth: 100, minContentWidth: 40, blockQuote: 'folded', indentSeq: true } as const

function render(value: unknown, header: string[]): string {
  const doc = new Document(value)
  // Quotes and prose read best as folded blocks; short values stay on their key's line.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && (node.value.length > 80 || node.value.includes('\n')))
        node.type = node.value.includes('\n') ? 'BLOCK_LITERAL' : 'BLOCK_FOLDED'
    },
    Pair(_, pair) {
      // A fact note's three keys on one line each; the value itself in flow style when it is a map.
      if (isScalar(pair.key) && pair.key.value === 'value' && isMap(pair.value)) pair.value.flow = true
    },
  })
  doc.commentBefore = header.map((l) => ` ${l}`).join('\n')
  return doc.toString(OPTIONS)
}

export function renderIxit(ixit: IxitDocument, header: string[]): string {
  return render(ixit, header)
}

export function renderIcs(ics: Partial<IcsDocument>, header: string[]): string {
  return render(ics, header)
}
