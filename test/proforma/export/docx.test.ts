import mammoth from 'mammoth'
import { parseFragment, type DefaultTreeAdapterTypes } from 'parse5'
import { describe, expect, it } from 'vitest'
import { columnWidths, renderDocx, TEXT_WIDTH } from '../../../proforma/export/docx.ts'
import { layout, type Block } from '../../../proforma/export/layout.ts'
import { referenceDocuments, TITLE } from './reference.ts'

type Node = DefaultTreeAdapterTypes.ChildNode
type Element = DefaultTreeAdapterTypes.Element

function isElement(node: Node): node is Element {
  return 'tagName' in node
}

function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value
  return isElement(node) ? node.childNodes.map(textOf).join('') : ''
}

function elements(node: Element, tag: string): Element[] {
  return node.childNodes.filter(isElement).flatMap((child) => (child.tagName === tag ? [child] : elements(child, tag)))
}

/** A cell's paragraphs, one line each. */
function cellText(cell: Element): string {
  const paragraphs = elements(cell, 'p')
  return paragraphs.length > 0 ? paragraphs.map(textOf).join('\n') : textOf(cell)
}

/** The blocks in mammoth's HTML: headings, paragraphs, tables (header row th, others td). */
async function readBack(buffer: Buffer): Promise<{ blocks: Block[]; html: string }> {
  const { value: html, messages } = await mammoth.convertToHtml({ buffer })
  expect(messages).toEqual([])
  const blocks = parseFragment(html)
    .childNodes.filter(isElement)
    .map((node): Block => {
      const heading = /^h([123])$/.exec(node.tagName)
      if (heading) return { kind: 'heading', level: Number(heading[1]) as 1 | 2 | 3, text: textOf(node) }
      if (node.tagName === 'p') return { kind: 'paragraph', text: textOf(node) }
      if (node.tagName === 'table') {
        return { kind: 'table', rows: elements(node, 'tr').map((tr) => tr.childNodes.filter(isElement).map(cellText)) }
      }
      throw new Error(`unexpected <${node.tagName}>`)
    })
  return { blocks, html }
}

describe('renderDocx', () => {
  it('reads back with mammoth as the reference layout, headings as h1 to h3', async () => {
    const blocks = layout(referenceDocuments(), { title: TITLE })
    const buffer = await renderDocx(blocks)
    expect(buffer.subarray(0, 2).toString('latin1')).toBe('PK')
    const back = await readBack(buffer)

    const headings = back.blocks.filter((b) => b.kind === 'heading')
    expect(
      headings.slice(
        headings.findIndex((h) => h.text.startsWith('IXIT 7-')),
        -8,
      ),
    ).toEqual([
      { kind: 'heading', level: 2, text: 'IXIT 7-UpdMech: Update Mechanisms' },
      { kind: 'heading', level: 3, text: 'UpdMech-Network' },
      { kind: 'heading', level: 3, text: 'UpdMech-LocalUpload' },
    ])
    const i = back.blocks.findIndex((b) => b.kind === 'heading' && b.text === 'UpdProc-2')
    expect(back.blocks[i + 1]).toEqual({
      kind: 'table',
      rows: [
        ['Field', 'Value'],
        [
          'Description',
          'Monitoring of third-party components. A software bill of materials is produced for every release; it is matched daily ' +
            'against public vulnerability databases and the security advisories of the component projects. Relevant matches are ' +
            'handed to the PSIRT as reports under UpdProc-1.',
        ],
        ['Time Frame', 'Matches are triaged within 2 working days; fixes follow the time frames of UpdProc-1.'],
      ],
    })
    expect(back.blocks).toEqual(blocks)
    // The header row is bold and is a header row; the others are plain cells.
    expect(back.html).toContain('<thead><tr><th><p><strong>Field</strong></p></th><th><p><strong>Value</strong></p></th></tr></thead>')
    expect(back.html).toContain('<tr><td><p>Constrained device</p></td><td><p>No</p></td></tr>')
  })

  it('writes line breaks as paragraphs of the cell and keeps markup-like text', async () => {
    const blocks: Block[] = [
      { kind: 'heading', level: 3, text: 'UpdMech-<x> & "y"' },
      {
        kind: 'table',
        rows: [
          ['Field', 'Value'],
          ['Description', 'step one\nstep two\n\nafter a blank line'],
          ['Facts (ts701)', '{delivery: network, signature: {algorithm: ECDSA}}'],
          ['Configuration', ''],
          ['Notes', '<tag> a | b *not emphasis* C:\\path ü € 😀'],
          ['Control', 'bell\u0007 and form feed\f dropped'],
        ],
      },
      {
        kind: 'table',
        rows: [
          ['Provision', 'Status', 'Support', 'Detail'],
          ['5.3-1', '', 'Y', 'detail'],
        ],
      },
    ]
    const back = await readBack(await renderDocx(blocks))
    // mammoth leaves out the empty paragraph, so the blank line comes back as a single break.
    const expected = structuredClone(blocks)
    // Characters XML cannot hold are dropped, as Word would not open the file otherwise.
    if (expected[1]?.kind === 'table') {
      expected[1].rows[1] = ['Description', 'step one\nstep two\nafter a blank line']
      expected[1].rows[5] = ['Control', 'bell and form feed dropped']
    }
    expect(back.blocks).toEqual(expected)
    expect(back.html).toContain('<td><p>step one</p><p>step two</p><p>after a blank line</p></td>')
  })

  it('makes the Field column narrow and gives the rest of the text width to the last column', () => {
    expect(TEXT_WIDTH).toBe(9026)
    const fieldValue = columnWidths([
      ['Field', 'Value'],
      ['Publication of Non-Updatable', 'long text '.repeat(50)],
    ])
    expect(fieldValue).toEqual([2708, 9026 - 2708])
    expect(
      columnWidths([
        ['Field', 'Value'],
        ['Constrained device', 'No'],
      ]),
    ).toEqual([18 * 110 + 250, 9026 - (18 * 110 + 250)])
    const ics = columnWidths([
      ['Provision', 'Status', 'Support', 'Detail'],
      ['5.3-15A', '', 'N/A', 'text '.repeat(40)],
    ])
    expect(ics).toEqual([9 * 110 + 250, 6 * 110 + 250, 7 * 110 + 250, 9026 - (9 + 6 + 7) * 110 - 3 * 250])
  })
})
