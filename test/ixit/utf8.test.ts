import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAssessment } from '../../ixit/load.ts'
import { firstInvalidUtf8, positionOf } from '../../ixit/utf8.ts'
import { read, REFERENCE, tempAssessment } from './helpers.ts'

const bytes = (...b: number[]) => Uint8Array.from(b)

describe('UTF-8 validation of supplier documents', () => {
  it('accepts well-formed text of every sequence length', () => {
    expect(firstInvalidUtf8(Buffer.from('model: TS701 — ÄÖ ✓ 𝄞 € ¥\n', 'utf8'))).toBe(-1)
    expect(firstInvalidUtf8(bytes())).toBe(-1)
  })

  it.each([
    ['a Latin-1 é', bytes(0x43, 0x61, 0x66, 0xe9, 0x0a), 3],
    ['a lone continuation byte', bytes(0x41, 0x80), 1],
    ['an overlong slash', bytes(0x41, 0xc0, 0xaf), 1],
    ['an encoded surrogate', bytes(0xed, 0xa0, 0x80), 0],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a sequence cut by the end of the file', bytes(0x41, 0xe2, 0x82), 1],
  ])('finds %s', (_what, b, at) => {
    expect(firstInvalidUtf8(b)).toBe(at)
  })

  it('places the byte by line and character column', () => {
    const b = Buffer.concat([Buffer.from('a: 1\nname: Ä', 'utf8'), bytes(0xe9)])
    expect(positionOf(b, firstInvalidUtf8(b))).toEqual({ line: 2, column: 8 })
  })

  it('makes an IXIT value in another encoding a lint error with file:line:column, not a later FAIL', async () => {
    const dir = await tempAssessment({}, REFERENCE)
    const file = join(dir, 'ixit.yaml')
    const text = await read(join(REFERENCE, 'ixit.yaml'))
    const cut = text.indexOf('\n') + 1
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(text.slice(0, cut), 'utf8'),
        Buffer.from('# Caf'),
        bytes(0xe9),
        Buffer.from('\n' + text.slice(cut), 'utf8'),
      ]),
    )
    const loaded = await loadAssessment(dir)
    expect(loaded.assessment).toBeUndefined()
    expect(loaded.findings).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'invalid-utf8',
        file,
        line: 2,
        column: 6,
        message: expect.stringMatching(/^byte 0xE9 is not UTF-8/),
      }),
    )
  })
})
