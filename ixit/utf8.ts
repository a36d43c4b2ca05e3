/**
 * Supplier documents must be UTF-8 text. Read leniently, a stray Latin-1 byte becomes U+FFFD
 * inside an IXIT value, the documents pass, and a device is later judged against the garbled
 * text (a model name that cannot match). So the first invalid byte is found and reported.
 */
import { isUtf8 } from 'node:buffer'

/** Byte offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  // Node's validator (SIMD) applies the same rules and answers for nearly every document; the walk
  // below, about fifty times slower, is left to find where a document it refused goes wrong.
  if (isUtf8(bytes)) return -1
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0) return i
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      const [lo, hi] = k === 1 ? [low, high] : [0x80, 0xbf]
      if (c === undefined || c < lo || c > hi) return i
    }
    i += need + 1
  }
  return -1
}

/** Line and column (1-based, columns in characters) of a byte offset in text that is valid before it. */
export function positionOf(bytes: Uint8Array, offset: number): { line: number; column: number } {
  const before = Buffer.from(bytes.buffer, bytes.byteOffset, offset).toString('utf8')
  const lines = before.split('\n')
  return { line: lines.length, column: [...lines[lines.length - 1]!].length + 1 }
}
