import type { Nodes, Root } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { describe, expect, it } from 'vitest'
import { layout, type Block } from '../../../proforma/export/layout.ts'
import { renderMarkdown } from '../../../proforma/export/markdown.ts'
import { referenceDocuments, TITLE } from './reference.ts'

function parseMarkdown(md: string): Root {
  return fromMarkdown(md, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
}

/** Plain text of inline content as an importer sees it: a `<br>` HTML node is a line break. */
function plain(node: Nodes): string {
  if (node.type === 'html') return /^<br\s*\/?>$/i.test(node.value) ? '\n' : node.value
  if (node.type === 'break') return '\n'
  if ('value' in node) return node.value
  if ('children' in node) return node.children.map((child) => plain(child)).join('')
  return ''
}

/** The blocks read back from Markdown, to compare with what was rendered. */
function blocksOf(root: Root): Block[] {
  return root.children.map((node): Block => {
    switch (node.type) {
      case 'heading':
        return { kind: 'heading', level: node.depth as 1 | 2 | 3, text: plain(node) }
      case 'paragraph':
        return { kind: 'paragraph', text: plain(node) }
      case 'table':
        return { kind: 'table', rows: node.children.map((row) => row.children.map((cell) => plain(cell))) }
      default:
        throw new Error(`unexpected ${node.type} node at line ${node.position?.start.line}`)
    }
  })
}

const TRICKY = [
  'a | b',
  '*not emphasis*',
  '**not strong**',
  '_not emphasis_',
  '<tag>',
  '<br>',
  'x<!-- not a comment -->',
  'C:\\path',
  'C:\\',
  'ends with a backslash\\\nbefore a line break',
  'a\\|b',
  '\\*',
  'http://x/y_z_',
  'www.example.com/a_b_',
  'someone@example.com',
  '1. item',
  '1) item',
  '- [ ] task',
  '# leading hash',
  'trailing hashes ##',
  '> quote',
  '---',
  '===',
  '{delivery: network, signature: {algorithm: ECDSA}}',
  '"quoted: text"',
  "it's [linked](http://x) ![img](y) [ref][1] [^1]",
  '`code` and ``more``',
  '~~struck~~ ~one~',
  '&amp; &#123; &copy',
  'two  spaces',
  'line one\nline two',
  'paragraph one\n\nparagraph two',
  '- list in cell\n- second item',
  'ü € 😀 中文',
  '',
]

describe('renderMarkdown', () => {
  it('reads back as the same blocks for the reference example', () => {
    const blocks = layout(referenceDocuments(), { title: TITLE })
    const md = renderMarkdown(blocks)
    expect(md.startsWith('# TS701-REF-1: ICS and IXIT\n\n')).toBe(true)
    expect(md).toContain('\n### UpdMech-Network\n\n| Field | Value |\n| - | - |\n| Description | Over-the-air update client')
    expect(blocksOf(parseMarkdown(md))).toEqual(blocks)
  })

  it('keeps tricky cell texts as the same plain text', () => {
    const rows = [['Field', 'Value'], ...TRICKY.map((t, i) => [`F${i} ${t}`.trim(), t])]
    const md = renderMarkdown([{ kind: 'table', rows }])
    expect(blocksOf(parseMarkdown(md))).toEqual([{ kind: 'table', rows }])
    expect(md).toContain('| a \\| b |')
    expect(md).toContain('| line one<br>line two |')
    expect(md).toContain('| paragraph one<br><br>paragraph two |')
  })

  it('keeps tricky headings and paragraphs as the same plain text', () => {
    const blocks: Block[] = TRICKY.filter((t) => t !== '' && !t.includes('\n')).flatMap((t): Block[] => [
      { kind: 'heading', level: 3, text: t },
      { kind: 'paragraph', text: t },
    ])
    expect(blocksOf(parseMarkdown(renderMarkdown(blocks)))).toEqual(blocks)
  })

  it('keeps line breaks in a paragraph', () => {
    const blocks: Block[] = [{ kind: 'paragraph', text: 'first line\n# not a heading\n- not a list' }]
    expect(blocksOf(parseMarkdown(renderMarkdown(blocks)))).toEqual(blocks)
  })

  it('writes a heading on one line', () => {
    expect(renderMarkdown([{ kind: 'heading', level: 2, text: 'IXIT 7-UpdMech:\nUpdate Mechanisms' }])).toBe(
      '## IXIT 7-UpdMech: Update Mechanisms\n',
    )
  })

  it('loses only the blanks around a cell text (GFM trims cells)', () => {
    const md = renderMarkdown([
      {
        kind: 'table',
        rows: [
          ['Field', 'Value'],
          ['Description', '  padded \n indented line\t'],
        ],
      },
    ])
    expect(blocksOf(parseMarkdown(md))).toEqual([
      {
        kind: 'table',
        rows: [
          ['Field', 'Value'],
          ['Description', 'padded \n indented line'],
        ],
      },
    ])
  })
})
