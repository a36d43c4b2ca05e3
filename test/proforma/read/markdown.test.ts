/** Markdown pro-formas: every table with the headings above it, cells as a reader sees them. */
import { describe, expect, it } from 'vitest'
import { readMarkdown } from '../../../proforma/read/markdown.ts'

const ENTRIES_AS_ROWS = `# Annex B: IXIT

## IXIT 7-UpdMech

Table 7: Update mechanisms

| Name | Description | Security guarantees |
|------|-------------|---------------------|
| UpdMech-Network | Over the air<br>via HTTPS | \`TLS \\| mTLS\` |
| UpdMech-USB | *Local* update, see [the manual](https://example.com/manual) | [](https://example.com/sig) |
| UpdMech-Short |
`

describe('readMarkdown', () => {
  it('reads entries as rows under the headings that name the table, with the caption right above', () => {
    const doc = readMarkdown('ixit.md', ENTRIES_AS_ROWS)
    expect(doc).toEqual({
      file: 'ixit.md',
      notes: [],
      grids: [
        {
          origin: { file: 'ixit.md', where: 'line 7' },
          headings: ['Annex B: IXIT', 'IXIT 7-UpdMech'],
          caption: 'Table 7: Update mechanisms',
          rows: [
            ['Name', 'Description', 'Security guarantees'],
            ['UpdMech-Network', 'Over the air\nvia HTTPS', 'TLS | mTLS'],
            ['UpdMech-USB', 'Local update, see the manual', 'https://example.com/sig'],
            ['UpdMech-Short', '', ''],
          ],
        },
      ],
    })
  })

  it('reads one table per entry, each under its own heading, with the heading stack kept by level', () => {
    const text = [
      '# ixit 7 - update mechanisms',
      '',
      '### UpdMech-Network',
      '',
      '| Field | Value |',
      '|---|---|',
      '| Description | Over the air |',
      '',
      '## UpdMech-USB',
      '',
      '| Field | Value |',
      '|---|---|',
      '| Description | From a USB stick<br/>at the service port |',
      '',
      '# IXIT 8-UpdProc',
      '',
      '| Field | Value |',
      '|---|---|',
      '| Name | UpdProc-Auto |',
    ].join('\n')
    const doc = readMarkdown('entries.md', text)
    expect(doc.notes).toEqual([])
    expect(doc.grids.map((g) => [g.origin.where, g.headings, g.caption, g.rows])).toEqual([
      [
        'line 5',
        ['ixit 7 - update mechanisms', 'UpdMech-Network'],
        '',
        [
          ['Field', 'Value'],
          ['Description', 'Over the air'],
        ],
      ],
      [
        'line 11',
        ['ixit 7 - update mechanisms', 'UpdMech-USB'],
        '',
        [
          ['Field', 'Value'],
          ['Description', 'From a USB stick\nat the service port'],
        ],
      ],
      [
        'line 17',
        ['IXIT 8-UpdProc'],
        '',
        [
          ['Field', 'Value'],
          ['Name', 'UpdProc-Auto'],
        ],
      ],
    ])
  })

  it('leaves out empty rows and columns, collapses blanks, pads short rows and drops cells past the header', () => {
    const text = [
      '| Name |  | Value\tnotes |',
      '|---|---|---|',
      '|  |  |  |',
      '| a   b |  | x <br />   y |',
      '| c |',
      '| d |  | e | surplus |',
    ].join('\n')
    const doc = readMarkdown('t.md', text)
    expect(doc.grids).toHaveLength(1)
    expect(doc.grids[0]!.rows).toEqual([
      ['Name', 'Value notes'],
      ['a b', 'x\ny'],
      ['c', ''],
      ['d', 'e'],
    ])
    expect(doc.notes).toEqual([
      'line 1: the row at line 6 has cells past the table\'s 3 column(s) ("surplus"); they were left out, as Markdown shows none of them',
    ])
  })

  it('takes as caption only a short paragraph touching the table', () => {
    const long = 'This paragraph explains at length how the supplier should fill in the table below. '.repeat(3).trim()
    const text = [
      '# A',
      '',
      long,
      '',
      '| x |',
      '|---|',
      '| 1 |',
      '',
      'Table 2: not a caption, a heading follows',
      '',
      '## B',
      '',
      '| y |',
      '|---|',
      '| 2 |',
      '',
      '**Table 3:** bold caption',
      '| z |',
      '|---|',
      '| 3 |',
    ].join('\n')
    const doc = readMarkdown('c.md', text)
    expect(long.length).toBeGreaterThan(160)
    expect(doc.grids.map((g) => [g.headings, g.caption, g.rows])).toEqual([
      [['A'], '', [['x'], ['1']]],
      [['A', 'B'], '', [['y'], ['2']]],
      [['A', 'B'], 'Table 3: bold caption', [['z'], ['3']]],
    ])
  })

  it('finds tables inside lists and quotes, and skips a table without text', () => {
    const text = [
      '> | q |',
      '> |---|',
      '> | in a quote |',
      '',
      '- item',
      '',
      '  | l |',
      '  |---|',
      '  | in a list |',
      '',
      '|  |',
      '|--|',
      '|  |',
    ].join('\n')
    const doc = readMarkdown('n.md', text)
    expect(doc.grids.map((g) => [g.origin.where, g.caption, g.rows])).toEqual([
      ['line 1', '', [['q'], ['in a quote']]],
      ['line 7', 'item', [['l'], ['in a list']]],
    ])
    expect(doc.notes).toEqual(['line 11: the table holds no text; it was skipped'])
  })

  it('reads a document without tables as no grids', () => {
    expect(readMarkdown('none.md', '# IXIT 7-UpdMech\n\nNothing here yet.\n')).toEqual({ file: 'none.md', grids: [], notes: [] })
  })
})
