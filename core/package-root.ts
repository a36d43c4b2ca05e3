import { existsSync } from 'node:fs'

/**
 * A file at the root of the ts701 package (package.json, examples/). Modules run from the sources
 * in a checkout and from dist/ once built, at different depths below the root, so the root is the
 * nearest folder above this module that holds a package.json.
 */
export function packageFile(path: string): URL {
  let dir = new URL('./', import.meta.url)
  while (!existsSync(new URL('package.json', dir))) {
    const up = new URL('../', dir)
    if (up.href === dir.href) throw new Error(`no package.json above ${import.meta.url}`)
    dir = up
  }
  return new URL(path, dir)
}
