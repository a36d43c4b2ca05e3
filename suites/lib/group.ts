import { basename, extname } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The test group a suite file serves is its file name (`suites/5.3-4A.ts`, or `.js` compiled, → `5.3-4A`), the same
 * name the suite runner includes it by: a group ID written a second time inside the file could
 * disagree with it.
 */
export function groupOf(moduleUrl: string): string {
  const file = fileURLToPath(moduleUrl)
  // `.ts` in a checkout, `.js` once compiled (dist/).
  return basename(file, extname(file))
}
