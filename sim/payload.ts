import { createCipheriv, createHash } from 'node:crypto'

/**
 * Deterministic pseudo-random firmware bytes: the AES-256-CTR key stream under a key derived from
 * `seed`, so the same seed gives the same payload on every run and no two versions share a byte
 * pattern. One cipher pass, not a hash per 32 bytes: the reference DUT makes four 320 KiB images
 * at every start, which took 170 ms of CPU that way.
 */
export function firmwarePayload(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest()
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(length))
}
