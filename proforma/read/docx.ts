/**
 * The pro-forma tables are published as a Word document, so most suppliers send them back as
 * .docx. mammoth turns Word's structure (heading styles, merged cells) into plain HTML, which is
 * far easier to walk faithfully than WordprocessingML; layout, fonts and tracked formatting are
 * of no interest for reading the answers.
 */
import mammoth from 'mammoth'
import { type DefaultTreeAdapterTypes, parseFragment } from 'parse5'
import { UnreadableDocumentError } from '../errors.ts'
import type { Grid, ReadDocument } from '../grid.ts'
import { captionOf, cleanCell, oneLine, oneLineText, requireZipPackage, tidyRows } from './tidy.ts'

type Node = DefaultTreeAdapterTypes.ChildNode
type Element = DefaultTreeAdapterTypes.Element

const HEADING = /^h([1-6])$/
const BLOCK = new Set(['p', 'div', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'tr', 'table'])
/** HTML's own caps; a span beyond them is a broken file, not a table. */
const MAX_COLSPAN = 1000
const MAX_ROWSPAN = 65534
/** Style warnings only say that a custom style (ETSI's "TH", "TAL") was shown as a plain paragraph: the text is kept. */
const HARMLESS = [/^Unrecognised (paragraph|run) style/, /^Did not find style with ID/, /^Image of type/]

export async function readDocx(file: string, bytes: Buffer): Promise<ReadDocument> {
  requireZipPackage(file, bytes, 'docx')
  let html: string
  const notes: string[] = []
  try {
    // Images are not read; naming them without their data keeps the HTML small.
    const result = await mammoth.convertToHtml({ buffer: bytes }, { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) })
    html = result.value
    for (const message of new Set(result.messages.map((m) => m.message))) {
      if (!HARMLESS.some((p) => p.test(message))) notes.push(`Word: ${message}`)
    }
  } catch (err) {
    throw new UnreadableDocumentError(file, `cannot be read as a Word .docx file: ${oneLine(err)}`)
  }

  const grids: Grid[] = []
  const headings: { depth: number; text: string }[] = []
  let previous: Element | undefined
  let count = 0
  const walk = (nodes: readonly Node[]): void => {
    for (const node of nodes) {
      if (!isElement(node)) continue
      const level = HEADING.exec(node.tagName)?.[1]
      if (level !== undefined) {
        const depth = Number(level)
        while ((headings.at(-1)?.depth ?? 0) >= depth) headings.pop()
        headings.push({ depth, text: oneLineText(textOf(node)) })
      } else if (node.tagName === 'table') {
        const where = `table ${++count}`
        const rows = tidyRows(tableRows(node, where, notes))
        const caption = previous?.tagName === 'p' ? captionOf(textOf(previous)) : ''
        const images = countImages(node)
        if (rows.length > 0) {
          const titles = headings.map((h) => h.text).filter((t) => t !== '')
          grids.push({ origin: { file, where }, headings: titles, caption, rows })
          if (images > 0) notes.push(`${where}: ${images} image(s) inside cells were left out; only text is read`)
        } else {
          notes.push(`${where}: the table holds no text${images > 0 ? ' (only images)' : ''}; it was skipped`)
        }
      } else if (node.tagName !== 'p') {
        walk(node.childNodes)
      }
      previous = node
    }
  }
  walk(parseFragment(html).childNodes)
  return { file, grids, notes }
}

/** Merged cells come as colspan/rowspan; each covered position gets the merged cell's text. */
function tableRows(table: Element, where: string, notes: string[]): string[][] {
  const trs = rowsOf(table)
  const grid: string[][] = trs.map(() => [])
  let nested = false
  trs.forEach((tr, r) => {
    const row = grid[r]!
    let column = 0
    for (const cell of tr.childNodes.filter(isElement).filter((e) => e.tagName === 'td' || e.tagName === 'th')) {
      while (row[column] !== undefined) column++
      nested ||= hasNestedTable(cell)
      const text = cleanCell(textOf(cell)).replace(/\n{2,}/g, '\n')
      const colspan = span(cell, 'colspan', MAX_COLSPAN)
      const rowspan = Math.min(span(cell, 'rowspan', MAX_ROWSPAN), trs.length - r)
      for (let dr = 0; dr < rowspan; dr++) {
        for (let dc = 0; dc < colspan; dc++) grid[r + dr]![column + dc] = text
      }
      column += colspan
    }
  })
  if (nested) notes.push(`${where}: a table inside a cell was read as that cell's text, one line per row`)
  // A row spanned from above may leave holes where the Word table itself had no cell.
  return grid.map((row) => Array.from({ length: row.length }, (_, i) => row[i] ?? ''))
}

/** The table's own rows, through thead/tbody/tfoot but not into a table nested in a cell. */
function rowsOf(table: Element): Element[] {
  const rows: Element[] = []
  const visit = (node: Element): void => {
    for (const child of node.childNodes.filter(isElement)) {
      if (child.tagName === 'tr') rows.push(child)
      else if (child.tagName !== 'table') visit(child)
    }
  }
  visit(table)
  return rows
}

function span(cell: Element, name: string, max: number): number {
  const value = Number.parseInt(cell.attrs.find((a) => a.name === name)?.value ?? '1', 10)
  return Number.isFinite(value) && value >= 1 ? Math.min(value, max) : 1
}

/** Paragraphs, list items and `<br>` become line breaks; the caller cleans the blanks. */
function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value
  if (!isElement(node)) return ''
  if (node.tagName === 'br') return '\n'
  // A ticked box is often the whole answer in an ICS table; the glyphs are the ones Word shows.
  if (node.tagName === 'input' && attr(node, 'type') === 'checkbox') return node.attrs.some((a) => a.name === 'checked') ? '☒' : '☐'
  if (node.tagName === 'table') return nestedTableText(node)
  // A footnote mark ("[1]") is not part of the answer.
  if (node.tagName === 'a' && /^#(footnote|endnote)-/.test(attr(node, 'href'))) return ''
  const inner = node.childNodes.map(textOf).join('')
  return BLOCK.has(node.tagName) ? `\n${inner}\n` : inner
}

function nestedTableText(table: Element): string {
  const lines = rowsOf(table).map((tr) =>
    tr.childNodes
      .filter(isElement)
      .map((cell) => oneLineText(textOf(cell)))
      .filter((text) => text !== '')
      .join(' | '),
  )
  return `\n${lines.join('\n')}\n`
}

function hasNestedTable(node: Element): boolean {
  return node.childNodes.filter(isElement).some((child) => child.tagName === 'table' || hasNestedTable(child))
}

function countImages(node: Element): number {
  return node.childNodes.filter(isElement).reduce((n, child) => n + (child.tagName === 'img' ? 1 : countImages(child)), 0)
}

function attr(node: Element, name: string): string {
  return node.attrs.find((a) => a.name === name)?.value ?? ''
}

function isElement(node: Node): node is Element {
  return 'tagName' in node
}
