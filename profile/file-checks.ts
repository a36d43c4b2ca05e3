/**
 * The files a DUT profile names must exist and lie in the profile's folder, symlinks resolved:
 * a profile is handed around between labs and suppliers, and a path like ../../../etc/shadow in
 * an image field would otherwise send that file to the device. A lab that keeps material
 * elsewhere (a shared CA folder) says so once, in `allowFiles`, where a reviewer sees it.
 */
import { statSync, type Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { isRecord } from '../ixit/documents.ts'
import { finding } from '../ixit/findings.ts'
import { isWithin, realPathOrUndefined, statOrUndefined } from '../core/paths.ts'
import { toPointer } from '../ixit/pointer.ts'
import type { SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import { resolvePath, type ProfileFile } from './files.ts'

/**
 * Synchronous file system calls: a profile names a handful of files, and each asynchronous call
 * would cost a round trip through libuv's thread pool dearer than the call itself.
 */
export function fileFindings(doc: SourceDoc, profileFile: string, files: readonly ProfileFile[]): Finding[] {
  const findings: Finding[] = []
  const home = real(dirname(resolve(profileFile)))
  const folders = [home]
  const allowFiles = isRecord(doc.value) && Array.isArray(doc.value.allowFiles) ? doc.value.allowFiles : []
  for (const [i, written] of allowFiles.entries()) {
    if (typeof written !== 'string') continue
    const path = resolvePath(profileFile, written)
    const isDir = statOrUndefined(path)?.isDirectory() === true
    if (isDir) folders.push(real(path))
    else
      findings.push(
        finding('error', 'missing-file', doc.locate(['allowFiles', i]), `folder "${written}" does not exist`, toPointer(['allowFiles', i])),
      )
  }

  for (const f of files) {
    const at = doc.locate(f.path)
    const pointer = toPointer(f.path)
    const lexical = resolve(f.resolved)
    const target = real(lexical)
    if (!folders.some((folder) => isWithin(folder, target))) {
      const how = target !== lexical && isWithin(home, lexical) ? ' (a symbolic link that leads out of it)' : ''
      findings.push(
        finding(
          'error',
          'outside-folder',
          at,
          `file "${f.written}" is outside the profile's folder${how}; ts701 reads only files beside the profile: move it there, or name its folder under allowFiles`,
          pointer,
        ),
      )
      continue
    }
    const what = fileProblem(lexical)
    if (!what) continue
    const where = f.resolved === f.written ? '' : ` (resolved to ${f.resolved})`
    findings.push(finding('error', 'missing-file', at, `file "${f.written}"${where} ${what}`, pointer))
  }
  return findings
}

/** Why the path is no file to read, or undefined. */
function fileProblem(path: string): string | undefined {
  let s: Stats
  try {
    s = statSync(path)
  } catch (error) {
    const err = error as NodeJS.ErrnoException
    return err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`
  }
  return s.isFile() ? undefined : s.isDirectory() ? 'is a directory, not a file' : 'is not a regular file'
}

/** The path with symlinks resolved as far as it exists: a missing file is judged by its folder. */
function real(path: string): string {
  const found = realPathOrUndefined(path)
  if (found !== undefined) return found
  const parent = dirname(path)
  return parent === path ? path : resolve(real(parent), path.slice(parent.length + 1))
}
