import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ptyPair } from '../../pty.ts'

describe('ptyPair (test helper)', () => {
  it('joins two pseudo-terminals and removes them on close', async () => {
    const pair = await ptyPair()
    expect((await stat(pair.a)).isCharacterDevice()).toBe(true)
    expect((await stat(pair.b)).isCharacterDevice()).toBe(true)
    await pair.close()
    await expect(stat(pair.a)).rejects.toMatchObject({ code: 'ENOENT' })
    await pair.close()
  })

  it('fails, never skips, when socat is missing, saying which Debian package to install', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ts701-nopath-'))
    const path = process.env.PATH
    process.env.PATH = empty
    try {
      await expect(ptyPair()).rejects.toThrow(/socat is not installed: install the Debian package socat/)
    } finally {
      process.env.PATH = path
      await rm(empty, { recursive: true, force: true })
    }
  })
})
