/** Documents for the reader tests are written at test time, so no binary fixture hides what a test checks. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

/** A temp folder for the current test file, removed after its tests; `put` writes a file into it. */
export function tempFolder(): { put: (name: string, content: string | Uint8Array) => Promise<string>; path: () => string } {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts701-read-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  return {
    path: () => dir,
    put: async (name, content) => {
      const file = join(dir, name)
      await writeFile(file, content)
      return file
    },
  }
}

/** The error a call rejects or throws with, so a test can check its class, code and message together. */
export async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (err) {
    return err
  }
  throw new Error('expected a failure, but the call succeeded')
}
