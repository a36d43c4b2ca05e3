import { createHash } from 'node:crypto'

/**
 * Deterministic pseudo-random firmware bytes (SHA-256 in counter mode over `seed`): the same seed
 * gives the same payload on every run, and no two versions share a byte pattern.
 */
export function firmwarePayload(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length)
  for (let block = 0, at = 0; at < length; block += 1, at += 32) {
    createHash('sha256').update(`${seed}\0${block}`).digest().copy(out, at)
  }
  return out
}
