/**
 * results.json: the whole result model, for tools that need more than JUnit can say. It is
 * written as the harness built it, in the model's key order; nothing is copied field by field,
 * so a field added to `RunResults` reaches the file without a change here.
 */
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { writeFileAtomic } from '../core/atomic-file.ts'
import type { OutputFile, RunResults } from '../core/verdict.ts'
import type { Reporter } from './reporter.ts'

/**
 * JSON.stringify drops functions and turns a Map or a Set into `{}` without a word; a model
 * field of such a type must fail the report instead of vanishing from it.
 */
function plainData(key: string, value: unknown): unknown {
  if (typeof value === 'function' || value instanceof Map || value instanceof Set) {
    throw new TypeError(`results.json: "${key}" is not plain data (${value.constructor.name})`)
  }
  return value
}

export function renderResultsJson(results: RunResults): string {
  return `${JSON.stringify(results, plainData, 2)}\n`
}

export async function writeResultsJson(results: RunResults, file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  await writeFileAtomic(file, renderResultsJson(results))
}

const FILE: OutputFile = { path: 'results.json', kind: 'results' }

/** Lists itself among the files, so the file names every report written up to and with it. */
export const resultsJsonReporter: Reporter = {
  name: 'results.json',
  async write(results, { outDir }) {
    await writeResultsJson({ ...results, files: [...results.files, FILE] }, join(outDir, FILE.path))
    return [FILE]
  },
}
