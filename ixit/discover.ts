/**
 * Finds the documents of an assessment folder. Every document may be YAML or JSON; two spellings
 * of the same document would leave it unclear which one the supplier means, so that is an error.
 * The few file system calls are synchronous: a folder of a handful of names answers at once, and
 * each asynchronous call costs a round trip through libuv's thread pool that is dearer than the
 * call itself (a fifth of a lint's time on the 2-core rig).
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { finding } from './findings.ts'
import { isWithin, realPathOrUndefined, statOrUndefined } from '../core/paths.ts'
import type { Finding } from './types.ts'

const EXTENSIONS = ['.yaml', '.yml', '.json'] as const

export interface DocumentFiles {
  ics?: string
  /** One file, or the files of the `ixit/` folder in name order. */
  ixit: string[]
  decisions?: string
}

export interface Discovery {
  /** Absent when the folder itself cannot be read. */
  files?: DocumentFiles
  findings: Finding[]
}

export async function discoverDocuments(dir: string): Promise<Discovery> {
  const folderProblem = (message: string): Discovery => ({
    findings: [finding('error', 'missing-document', { file: dir, line: 1, column: 1 }, message)],
  })
  let names: Set<string>
  try {
    if (!statSync(dir).isDirectory()) return folderProblem(`assessment folder expected, found a file`)
    names = new Set(readdirSync(dir))
  } catch (err) {
    return folderProblem(`cannot read assessment folder: ${errorText(err)}`)
  }

  const findings: Finding[] = []
  // Symlinks that stay inside the folder are fine; the folder's own path may be one too.
  const root = realPathOrUndefined(dir) ?? resolve(dir)
  /** True for a document that can be read; a name that is there but cannot be a document gets its finding. */
  const usable = (path: string): boolean => {
    const problem = documentProblem(path, root)
    if (problem) findings.push(finding('error', problem.code, { file: path, line: 1, column: 1 }, problem.message))
    return problem === undefined
  }
  const inside = (path: string, folder: string, what: string): boolean => {
    const problem = outside(path, folder, what)
    if (problem) findings.push(finding('error', 'outside-folder', { file: path, line: 1, column: 1 }, problem))
    return problem === undefined
  }
  /** The document's file; `given` also when the name is there but refused, so it is not reported missing too. */
  const pick = (folder: string, entries: Set<string>, base: string, what: string): { file?: string; given: boolean } => {
    const present: string[] = []
    let given = false
    for (const ext of EXTENSIONS) {
      const name = base + ext
      if (!entries.has(name)) continue
      given = true
      if (usable(join(folder, name))) present.push(name)
    }
    for (const extra of present.slice(1)) {
      findings.push(
        duplicateDocument(join(folder, extra), `${what} is already given by ${present[0]}; keep only one of ${present.join(', ')}`),
      )
    }
    return { given, ...(present[0] !== undefined && { file: join(folder, present[0]) }) }
  }

  const files: DocumentFiles = { ixit: [] }
  const ics = pick(dir, names, 'ics', 'the ICS')
  files.ics = ics.file
  files.decisions = pick(dir, names, 'decisions', 'the decisions document').file
  const ixit = pick(dir, names, 'ixit', 'the IXIT')
  const ixitFile = ixit.file
  const ixitDir = join(dir, 'ixit')
  const ixitDirGiven = names.has('ixit') && statOrUndefined(ixitDir)?.isDirectory() === true
  const hasIxitDir = ixitDirGiven && inside(ixitDir, root, 'the IXIT folder')

  if (ixitFile) {
    files.ixit = [ixitFile]
    if (hasIxitDir)
      findings.push(duplicateDocument(ixitDir, `the IXIT is already given by ${basename(ixitFile)}; keep either the file or the folder`))
  } else if (hasIxitDir) {
    let inFolder: string[] = []
    try {
      inFolder = readdirSync(ixitDir)
        .filter((n) => EXTENSIONS.some((e) => n.endsWith(e)))
        .sort()
    } catch (err) {
      findings.push(missing(ixitDir, `cannot read IXIT folder: ${errorText(err)}`))
    }
    for (const name of inFolder) {
      if (usable(join(ixitDir, name))) files.ixit.push(join(ixitDir, name))
    }
    if (inFolder.length === 0) {
      findings.push(missing(ixitDir, `no IXIT document in the folder (expected *.yaml, *.yml or *.json files)`))
    }
  } else if (!ixit.given && !ixitDirGiven) {
    findings.push(missing(dir, `no IXIT document (expected ixit.yaml, ixit.yml, ixit.json or an ixit/ folder)`))
  }
  if (!ics.given) findings.push(missing(dir, `no ICS document (expected ics.yaml, ics.yml or ics.json)`))
  return { files, findings }
}

/**
 * Why `path` cannot be a document of the folder whose real path is `root`: a symlink out of the
 * folder (its target is not read, so nothing of it reaches a message), a directory, a device.
 */
function documentProblem(path: string, root: string): { code: string; message: string } | undefined {
  const away = outside(path, root, 'the document')
  if (away) return { code: 'outside-folder', message: away }
  let info: Stats | Error
  try {
    info = statSync(path)
  } catch (err) {
    info = err instanceof Error ? err : new Error(String(err))
  }
  if (info instanceof Error) return { code: 'unreadable', message: `cannot read file: ${info.message}` }
  if (info.isDirectory()) return { code: 'not-a-file', message: 'is a directory, not a document' }
  if (!info.isFile()) return { code: 'not-a-file', message: 'is not a regular file (a device, FIFO or socket)' }
  return undefined
}

/** A message when `path` is a symlink whose target is outside `root` (or leads nowhere). */
function outside(path: string, root: string, what: string): string | undefined {
  let link: Stats | undefined
  try {
    link = lstatSync(path)
  } catch {
    return undefined
  }
  if (!link.isSymbolicLink()) return undefined
  const target = realPathOrUndefined(path)
  if (target === undefined) return 'is a symbolic link that leads nowhere (its target does not exist)'
  if (!isWithin(root, target) || target === root)
    return `is a symbolic link out of the assessment folder; ts701 does not follow it: put ${what} itself in the folder`
  return undefined
}

function missing(file: string, message: string): Finding {
  return finding('error', 'missing-document', { file, line: 1, column: 1 }, message)
}

function duplicateDocument(file: string, message: string): Finding {
  return finding('error', 'duplicate-document', { file, line: 1, column: 1 }, message)
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
