/**
 * Suppliers who keep their pro-forma next to their code fill it in as Markdown. Tables are read
 * through a real GFM parser, not by splitting lines on '|', because escaped pipes, code spans and
 * tables inside lists or quotes would otherwise give wrong cells without any warning.
 */
import type { Nodes, PhrasingContent, RootContent, Table } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import type { Grid, ReadDocument } from '../grid.ts'
import { captionOf, oneLineText, tidyRows } from './tidy.ts'

const BR = /^<br\s*\/?>$/i

export function readMarkdown(file: string, text: string): ReadDocument {
  const tree = fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
  const grids: Grid[] = []
  const notes: string[] = []
  const headings: { depth: number; text: string }[] = []
  // The block read just before the current one, in document order: a caption must touch its table.
  let previous: RootContent | undefined

  const walk = (nodes: readonly RootContent[]): void => {
    for (const node of nodes) {
      if (node.type === 'heading') {
        while ((headings.at(-1)?.depth ?? 0) >= node.depth) headings.pop()
        headings.push({ depth: node.depth, text: oneLineText(inlineText(node.children)) })
      } else if (node.type === 'table') {
        const where = `line ${node.position?.start.line ?? 1}`
        const rows = tidyRows(tableRows(node, where, notes))
        const caption = previous?.type === 'paragraph' ? captionOf(inlineText(previous.children)) : ''
        const titles = headings.map((h) => h.text).filter((t) => t !== '')
        if (rows.length > 0) grids.push({ origin: { file, where }, headings: titles, caption, rows })
        else notes.push(`${where}: the table holds no text; it was skipped`)
      } else if ('children' in node && node.type !== 'paragraph') {
        // Lists, block quotes and footnote definitions can hold tables and headings of their own.
        walk(node.children as RootContent[])
      }
      previous = node
    }
  }
  walk(tree.children)
  return { file, grids, notes }
}

/** GFM gives every row as many cells as the delimiter row has columns; cells beyond are not shown by renderers. */
function tableRows(table: Table, where: string, notes: string[]): string[][] {
  const width = table.align?.length ?? table.children[0]?.children.length ?? 0
  return table.children.map((row) => {
    const cells = row.children.map((cell) => inlineText(cell.children))
    const extra = cells.slice(width).filter((cell) => cell.trim() !== '')
    if (extra.length > 0) {
      const lost = oneLineText(extra.join(' | '))
      notes.push(
        `${where}: the row at line ${row.position?.start.line} has cells past the table's ${width} column(s) ("${lost.length > 60 ? `${lost.slice(0, 59)}…` : lost}"); they were left out, as Markdown shows none of them`,
      )
    }
    return Array.from({ length: width }, (_, i) => cells[i] ?? '')
  })
}

/** The text a reader sees: markup gone, `<br>` as a line break, a link as its visible text. */
function inlineText(nodes: readonly PhrasingContent[]): string {
  return nodes.map(nodeText).join('')
}

function nodeText(node: Nodes): string {
  switch (node.type) {
    case 'text':
    case 'inlineCode':
      return node.value
    case 'html':
      // Other inline HTML (<b>, <span>) is markup around text that is read on its own.
      return BR.test(node.value.trim()) ? '\n' : ''
    case 'break':
      return '\n'
    case 'image':
    case 'imageReference':
      return node.alt ?? ''
    case 'footnoteReference':
      return ''
    case 'link': {
      const shown = inlineText(node.children)
      return shown.trim() === '' ? node.url : shown
    }
    default:
      return 'children' in node ? (node.children as Nodes[]).map(nodeText).join('') : ''
  }
}
