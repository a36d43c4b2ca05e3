import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readBounded } from '../../core/bounded-read.ts'
import { tempDir } from '../cli/helpers.ts'

describe('readBounded', () => {
  it('reads a small file and a file of several 64 KiB pieces whole, byte for byte', async () => {
    const dir = await tempDir('bounded')
    for (const size of [0, 1, 4096, 65_535, 65_536, 65_537, 300_001]) {
      const bytes = randomBytes(size)
      const file = join(dir, `f${size}`)
      await writeFile(file, bytes)
      const read = await readBounded(file, 1_000_000)
      expect(read.ok, `${size} bytes`).toBe(true)
      if (read.ok) expect(read.bytes.equals(bytes), `${size} bytes`).toBe(true)
    }
  })

  it('refuses a file above the limit, and takes one exactly at it', async () => {
    const file = join(await tempDir('bounded'), 'f')
    await writeFile(file, Buffer.alloc(1000, 'a'))
    expect(await readBounded(file, 999)).toEqual({ ok: false, why: 'too-large', size: 1000 })
    const read = await readBounded(file, 1000)
    expect(read.ok && read.bytes.length).toBe(1000)
  })

  it('reads a file whose stat says 0 bytes (/proc) to its end, not to its first short read', async () => {
    const read = await readBounded('/proc/cpuinfo', 4 * 1024 * 1024)
    expect(read.ok).toBe(true)
    if (read.ok) expect(read.bytes.toString()).toBe(readFileSync('/proc/cpuinfo', 'utf8'))
  })

  it('says why a folder or a device gives no bytes', async () => {
    expect(await readBounded(await tempDir('bounded'), 100)).toEqual({ ok: false, why: 'directory' })
    expect(await readBounded('/dev/null', 100)).toEqual({ ok: false, why: 'not-a-file' })
    expect(await readBounded('/no/such/file', 100)).toMatchObject({ ok: false, why: 'unreadable', stage: 'open' })
  })
})
