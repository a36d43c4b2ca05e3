/**
 * The CLI tests run bin/ts701.js, which runs the compiled dist/: a dist/ older than the sources
 * would test yesterday's code, so a test run first builds when any source changed since the last
 * build (`npm ci` has built once, so CI does not build again).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const script = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))
  const built = spawnSync(process.execPath, [script, '--if-stale'], { stdio: 'inherit' })
  if (built.status !== 0) throw new Error('the build failed: the CLI tests would run an old dist/')
}
