import { describe, expect, it } from 'vitest'
import { Masker, quoteMasked, withMasker } from '../../core/mask.ts'
import { excerpt } from '../../adapters/kit/text.ts'
import { extractFromAnswer } from '../../adapters/kit/extract.ts'
import { excerpt as consoleExcerpt, tailExcerpt } from '../../adapters/serial/transcript.ts'

const SECRET = 'Str4ddl3-s3cret-value'

/** Any piece of the secret of 3 characters or more, from its start or its end. */
function leaked(text: string, secret = SECRET): string | undefined {
  for (let n = secret.length; n >= 3; n--) {
    for (const piece of [secret.slice(0, n), secret.slice(-n)]) if (text.includes(piece)) return piece
  }
  return undefined
}

/** A reply with the secret starting `before` characters ahead of the cut at `max`. */
const straddling = (max: number, before: number) => `${'a'.repeat(max - before)}${SECRET} tail`

describe('quoting device output: masked whole, then cut', () => {
  it('leaves no piece of a secret that straddles the cut, at every offset', () => {
    for (let before = 1; before < SECRET.length + 2; before++) {
      const text = straddling(40, before)
      for (const keep of ['start', 'end'] as const) {
        const quoted = quoteMasked(text, [SECRET], 40, keep)
        expect(leaked(quoted), `${keep}, ${before} before the cut: ${quoted}`).toBeUndefined()
        expect(quoted.length).toBeLessThanOrEqual(40)
      }
    }
    // The same secret at the end of a tail quote.
    expect(leaked(quoteMasked(`${SECRET}${'z'.repeat(30)}`, new Masker([SECRET]), 40, 'end'))).toBeUndefined()
  })

  it('cuts to max characters with a mark, and leaves short text as it is', () => {
    expect(quoteMasked('abcdef', undefined, 4)).toBe('abc…')
    expect(quoteMasked('abcdef', undefined, 4, 'end')).toBe('…def')
    expect(quoteMasked('abc', [SECRET], 4)).toBe('abc')
    // Half an emoji is not kept at the cut.
    expect(quoteMasked('ab😀cd', undefined, 4)).toBe('ab…')
  })

  it('the cut would leak without it: cutting first, then masking, keeps a prefix', () => {
    const text = straddling(40, 8)
    const cutFirst = new Masker([SECRET]).text(`${text.slice(0, 39)}…`)
    expect(leaked(cutFirst)).toBeDefined()
  })

  it("masks before cutting in every channel's excerpt: strings, bodies, console text and its tail", () => {
    const masker = new Masker([SECRET])
    for (let before = 1; before < SECRET.length + 2; before++) {
      const text = straddling(160, before)
      expect(leaked(excerpt(text, 160, masker))).toBeUndefined()
      expect(leaked(excerpt(Buffer.from(text), 160, masker))).toBeUndefined()
      expect(leaked(consoleExcerpt(text, 160, masker))).toBeUndefined()
      expect(leaked(tailExcerpt(`x ${SECRET}${'b'.repeat(160 - before)}`, 160, masker))).toBeUndefined()
    }
    // A body longer than what is decoded: a secret cut by that window leaves nothing either.
    const spaced = Buffer.from(`a${' '.repeat(663)}${SECRET}${'c'.repeat(2000)}`)
    for (let at = 640; at < 700; at++) {
      const body = Buffer.concat([Buffer.from(`a${' '.repeat(at)}`), Buffer.from(SECRET), Buffer.from('c'.repeat(2000))])
      expect(leaked(excerpt(body, 160, masker)), `secret at byte ${at}`).toBeUndefined()
    }
    expect(excerpt(spaced, 160, masker)).toMatch(/…"$/)
  })

  it('quotes inside an operation with its masker, as errors thrown deep in an extraction do', () => {
    const masker = new Masker([SECRET])
    const body = Buffer.from(JSON.stringify({ note: straddling(150, 6) }))
    const answer = { headers: {}, body }
    let message = ''
    withMasker(masker, () => {
      try {
        extractFromAnswer({ pointer: '/version' }, answer, 'version')
      } catch (err) {
        message = (err as Error).message
      }
    })
    expect(message).toMatch(/^version: JSON pointer \/version finds nothing in /)
    expect(leaked(message)).toBeUndefined()
    // Outside an operation, and without a masker, the quote is plain (and leaks): the scope is what masks.
    expect(() => extractFromAnswer({ pointer: '/version' }, answer, 'version')).toThrow(SECRET.slice(0, 5))
  })
})
