import mammoth from 'mammoth'
import { describe, expect, it } from 'vitest'
import { EXPORT_FORMATS, exportDocuments, type ExportFormat } from '../../../proforma/export/index.ts'
import { layout } from '../../../proforma/export/layout.ts'
import { renderMarkdown } from '../../../proforma/export/markdown.ts'
import { referenceDocuments, TITLE } from './reference.ts'

describe('exportDocuments', () => {
  it('knows Markdown and Word', () => {
    expect(EXPORT_FORMATS).toEqual(['md', 'docx'])
  })

  it('writes Markdown as UTF-8 ending in a newline', async () => {
    const docs = referenceDocuments()
    const bytes = await exportDocuments(docs, 'md', { title: TITLE })
    const md = bytes.toString('utf8')
    expect(md).toBe(renderMarkdown(layout(docs, { title: TITLE })))
    expect(md.endsWith('|\n')).toBe(true)
    expect(md.startsWith('# TS701-REF-1: ICS and IXIT\n')).toBe(true)
  })

  it('writes non-ASCII text as UTF-8', async () => {
    const bytes = await exportDocuments({ ixit: {} }, 'md', { title: 'Gerät – Prüfung €' })
    const line = Buffer.from([0x23, 0x20, 0x47, 0x65, 0x72, 0xc3, 0xa4, 0x74, 0x20, 0xe2, 0x80, 0x93, 0x20]) // '# Gerät – '
    expect(bytes.subarray(0, line.length)).toEqual(line)
  })

  it('writes a Word document of the same content', async () => {
    const bytes = await exportDocuments(referenceDocuments(), 'docx', { title: TITLE })
    const { value } = await mammoth.convertToHtml({ buffer: bytes })
    expect(value.startsWith('<h1>TS701-REF-1: ICS and IXIT</h1><p>')).toBe(true)
    expect(value).toContain('<h2>IXIT 7-UpdMech: Update Mechanisms</h2><h3>UpdMech-Network</h3><table>')
  })

  it('rejects a format it does not know', async () => {
    await expect(exportDocuments({ ixit: {} }, 'pdf' as ExportFormat, { title: 'T' })).rejects.toThrow(
      'unknown export format "pdf" (known: md, docx)',
    )
  })
})
