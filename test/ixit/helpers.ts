import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEachTest } from '../hooks.ts'

export const REFERENCE = 'examples/reference-dut'
export const BROKEN = 'examples/broken'

/**
 * Line and column (1-based) of `mark` inside the `nth` occurrence of `context` in `text`, so a
 * test names the node it expects a position for (`positionOf(t, 'delivery: cloud', 'cloud')`).
 */
export function positionOf(text: string, context: string, mark = context, nth = 1): { line: number; column: number } {
  let index = -1
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(context, index + 1)
    if (index < 0) throw new Error(`"${context}" occurs fewer than ${nth} times`)
  }
  const within = context.indexOf(mark)
  if (within < 0) throw new Error(`"${mark}" is not part of "${context}"`)
  index += within
  const before = text.slice(0, index).split('\n')
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 }
}

export function read(path: string): Promise<string> {
  return readFile(path, 'utf8')
}

const made: string[] = []
afterEachTest(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

/** A fresh assessment folder in the system temp dir, removed after the test. */
export async function tempAssessment(files: Record<string, string> = {}, copyFrom?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-ixit-'))
  made.push(dir)
  if (copyFrom) await cp(copyFrom, dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  return dir
}
