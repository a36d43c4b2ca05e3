/** Paths compared as places on the disk. */
import { realpathSync, statSync, type Stats } from 'node:fs'
import { isAbsolute, relative, sep } from 'node:path'

/** Whether `target` is `folder` or lies below it; both absolute, symlinks already resolved. */
export function isWithin(folder: string, target: string): boolean {
  const rel = relative(folder, target)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/**
 * What stat says of the path, or undefined when it cannot be had (missing, unreadable). Synchronous,
 * as the loaders' few calls are: an asynchronous one costs a thread-pool round trip dearer than it.
 */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

/** The path with every symlink resolved (the system's realpath), or undefined when it leads nowhere. */
export function realPathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path)
  } catch {
    return undefined
  }
}
