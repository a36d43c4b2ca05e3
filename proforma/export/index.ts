/**
 * `ts701 export`: the ICS and IXIT documents written out as pro-forma tables in a supplier's
 * format. One layout, one renderer per format; a new format is a renderer module and one entry
 * in RENDERERS.
 */
import type { IcsDocument, IxitDocument } from '../../ixit/documents.ts'
import { renderDocx } from './docx.ts'
import { layout, type Block } from './layout.ts'
import { renderMarkdown } from './markdown.ts'

export type ExportFormat = 'md' | 'docx'

const RENDERERS: Record<ExportFormat, (blocks: Block[]) => Promise<Buffer>> = {
  md: async (blocks) => Buffer.from(withFinalNewline(renderMarkdown(blocks)), 'utf8'),
  docx: renderDocx,
}

export const EXPORT_FORMATS: readonly ExportFormat[] = Object.keys(RENDERERS) as ExportFormat[]

export async function exportDocuments(
  docs: { ics?: IcsDocument; ixit: IxitDocument },
  format: ExportFormat,
  options: { title: string },
): Promise<Buffer> {
  const render = RENDERERS[format]
  if (!render) throw new Error(`unknown export format "${String(format)}" (known: ${EXPORT_FORMATS.join(', ')})`)
  return render(layout(docs, options))
}

function withFinalNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`
}
