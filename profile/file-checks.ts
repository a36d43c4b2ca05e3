/**
 * The files a DUT profile names must exist and lie in the profile's folder, symlinks resolved:
 * a profile is handed around between labs and suppliers, and a path like ../../../etc/shadow in
 * an image field would otherwise send that file to the device. A lab that keeps material
 * elsewhere (a shared CA folder) says so once, in `allowFiles`, where a reviewer sees it.
 */
import { realpath, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { isRecord } from '../ixit/documents.ts'
import { finding } from '../ixit/findings.ts'
import { isWithin } from '../core/paths.ts'
import { toPointer } from '../ixit/pointer.ts'
import type { SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import { resolvePath, type ProfileFile } from './files.ts'

export async function fileFindings(doc: SourceDoc, profileFile: string, files: readonly ProfileFile[]): Promise<Finding[]> {
  const findings: Finding[] = []
  const home = await real(dirname(resolve(profileFile)))
  const folders = [home]
  const allowFiles = isRecord(doc.value) && Array.isArray(doc.value.allowFiles) ? doc.value.allowFiles : []
  for (const [i, written] of allowFiles.entries()) {
    if (typeof written !== 'string') continue
    const path = resolvePath(profileFile, written)
    const isDir = await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    )
    if (isDir) folders.push(await real(path))
    else
      findings.push(
        finding('error', 'missing-file', doc.locate(['allowFiles', i]), `folder "${written}" does not exist`, toPointer(['allowFiles', i])),
      )
  }

  for (const f of files) {
    const at = doc.locate(f.path)
    const pointer = toPointer(f.path)
    const lexical = resolve(f.resolved)
    const target = await real(lexical)
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
    const what = await stat(lexical).then(
      (s) => (s.isFile() ? undefined : s.isDirectory() ? 'is a directory, not a file' : 'is not a regular file'),
      (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`),
    )
    if (!what) continue
    const where = f.resolved === f.written ? '' : ` (resolved to ${f.resolved})`
    findings.push(finding('error', 'missing-file', at, `file "${f.written}"${where} ${what}`, pointer))
  }
  return findings
}

/** The path with symlinks resolved as far as it exists: a missing file is judged by its folder. */
async function real(path: string): Promise<string> {
  try {
    return await realpath(path)
  } catch {
    const parent = dirname(path)
    return parent === path ? path : resolve(await real(parent), path.slice(parent.length + 1))
  }
}
