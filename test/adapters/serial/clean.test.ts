import { describe, expect, it } from 'vitest'
import { cleanText, LineCleaner, MAX_LINE, type CleanLine } from '../../../adapters/serial/clean.ts'

/** Feeds the chunks one by one and returns the lines and the open line. */
function feed(...chunks: string[]): { lines: CleanLine[]; partial: CleanLine } {
  const lines: CleanLine[] = []
  const cleaner = new LineCleaner((l) => lines.push(l))
  for (const c of chunks) cleaner.feed(c)
  return { lines, partial: cleaner.partial }
}

const texts = (r: { lines: CleanLine[] }) => r.lines.map((l) => l.text)

describe('console output cleaning', () => {
  it('drops CSI sequences (colours, cursor movement, erase) and flags the line', () => {
    const r = feed('\x1b[1;32mOK\x1b[0m done\x1b[K\r\n', 'plain\r\n')
    expect(r.lines).toEqual([
      { text: 'OK done', removed: true },
      { text: 'plain', removed: false },
    ])
  })

  it('drops OSC strings ended by BEL or ST, DCS strings, charset selections and single-character escapes', () => {
    expect(cleanText('\x1b]0;title\x07a\x1b]8;;http://x\x1b\\b\x1bPq#0\x1b\\c\x1b(Bd\x1b7e\x1b8f\x1bcg').text).toBe('abcdefg')
  })

  it('keeps sequences split across chunks whole, wherever the chunk ends', () => {
    const text = '\x1b[38;5;196mred\x1b[0m \x1b]0;t\x07x\r\n'
    for (let cut = 0; cut <= text.length; cut++) {
      expect(texts(feed(text.slice(0, cut), text.slice(cut)))).toEqual(['red x'])
    }
  })

  it('normalises CRLF, LF CR, lone CR and runs of CR before LF to one line break each', () => {
    expect(texts(feed('a\r\nb\n\rc\rd\r\r\ne\n'))).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(texts(feed('a\r', '\nb\n', '\rc\r'))).toEqual(['a', 'b', 'c'])
    // Empty lines stay.
    expect(texts(feed('a\r\n\r\nb\n\nc\r\n'))).toEqual(['a', '', 'b', '', 'c'])
  })

  it('drops NUL and other control characters, keeps TAB, and applies backspace', () => {
    const r = feed('\x00a\x07b\x01c\td\x7f\r\n', 'ab\bc\r\n', 'x\x9by\r\n')
    expect(r.lines).toEqual([
      { text: 'abc\td', removed: true },
      { text: 'ac', removed: true },
      { text: 'xy', removed: true },
    ])
  })

  it('keeps the line without a line break open (a prompt) until one comes', () => {
    const r = feed('answer\r\n\x1b[1mdut>\x1b[0m ')
    expect(texts(r)).toEqual(['answer'])
    expect(r.partial).toEqual({ text: 'dut> ', removed: true })
  })

  it('cuts a line that never ends, and abandons an escape sequence that never ends', () => {
    const r = feed('x'.repeat(MAX_LINE + 10))
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatchObject({ truncated: true })
    expect(r.partial.text).toBe('x'.repeat(10))
    const s = feed(`\x1b]0;${'y'.repeat(5000)}\r\nafter\r\n`)
    expect(texts(s).at(-1)).toBe('after')
  })

  it('keeps text beyond ASCII', () => {
    expect(cleanText('Temp: 21 °C\r\n').text).toBe('Temp: 21 °C')
  })
})
