/** Paths compared as places on the disk. */
import { isAbsolute, relative, sep } from 'node:path'

/** Whether `target` is `folder` or lies below it; both absolute, symlinks already resolved. */
export function isWithin(folder: string, target: string): boolean {
  const rel = relative(folder, target)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}
