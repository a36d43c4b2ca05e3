/**
 * The export layout as GitHub-flavoured Markdown. It builds an mdast tree and lets
 * mdast-util-to-markdown serialize it, so escaping (pipes, emphasis markers, `<`, a leading `#`)
 * is the library's and reads back as the same plain text. A GFM table cell is one line: a line
 * break inside a cell is written as a `<br>` HTML node.
 */
import type { Heading, Html, Paragraph, PhrasingContent, Root, RootContent, Table, TableCell, TableRow, Text } from 'mdast'
import { gfmToMarkdown } from 'mdast-util-gfm'
import { toMarkdown } from 'mdast-util-to-markdown'
import type { Block } from './layout.ts'

const LINE_BREAK = /\r\n|\r|\n/

export function renderMarkdown(blocks: Block[]): string {
  const root: Root = { type: 'root', children: blocks.map(toNode) }
  // No pipe alignment: it would pad every cell of a column to its longest prose.
  return toMarkdown(root, { extensions: [gfmToMarkdown({ tablePipeAlign: false })] })
}

function toNode(block: Block): RootContent {
  switch (block.kind) {
    case 'heading':
      // A heading is one line; a line break in its text would end it.
      return { type: 'heading', depth: block.level, children: [text(block.text.replace(/\s*(?:\r\n|\r|\n)\s*/g, ' '))] } satisfies Heading
    case 'paragraph':
      return { type: 'paragraph', children: [text(block.text)] } satisfies Paragraph
    case 'table':
      return { type: 'table', children: block.rows.map(row) } satisfies Table
  }
}

function row(cells: string[]): TableRow {
  return { type: 'tableRow', children: cells.map(cell) }
}

function cell(value: string): TableCell {
  const children: PhrasingContent[] = []
  value.split(LINE_BREAK).forEach((line, i) => {
    if (i > 0) children.push({ type: 'html', value: '<br>' } satisfies Html)
    if (line !== '') children.push(text(line))
  })
  return { type: 'tableCell', children }
}

function text(value: string): Text {
  return { type: 'text', value }
}
