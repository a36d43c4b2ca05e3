/**
 * Finds the documents of an assessment folder. Every document may be YAML or JSON; two spellings
 * of the same document would leave it unclear which one the supplier means, so that is an error.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { finding } from './findings.ts'
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
    if (!(await stat(dir)).isDirectory()) return folderProblem(`assessment folder expected, found a file`)
    names = new Set(await readdir(dir))
  } catch (err) {
    return folderProblem(`cannot read assessment folder: ${errorText(err)}`)
  }

  const findings: Finding[] = []
  const pick = async (folder: string, entries: Set<string>, base: string, what: string): Promise<string | undefined> => {
    const present: string[] = []
    for (const ext of EXTENSIONS) {
      const name = base + ext
      if (entries.has(name) && (await isFile(join(folder, name)))) present.push(name)
    }
    for (const extra of present.slice(1)) {
      findings.push(
        duplicateDocument(join(folder, extra), `${what} is already given by ${present[0]}; keep only one of ${present.join(', ')}`),
      )
    }
    return present[0] === undefined ? undefined : join(folder, present[0])
  }

  const files: DocumentFiles = { ixit: [] }
  files.ics = await pick(dir, names, 'ics', 'the ICS')
  files.decisions = await pick(dir, names, 'decisions', 'the decisions document')
  const ixitFile = await pick(dir, names, 'ixit', 'the IXIT')
  const ixitDir = join(dir, 'ixit')
  const hasIxitDir = names.has('ixit') && (await isDirectory(ixitDir))

  if (ixitFile) {
    files.ixit = [ixitFile]
    if (hasIxitDir)
      findings.push(duplicateDocument(ixitDir, `the IXIT is already given by ${basename(ixitFile)}; keep either the file or the folder`))
  } else if (hasIxitDir) {
    let inFolder: string[] = []
    try {
      inFolder = (await readdir(ixitDir)).filter((n) => EXTENSIONS.some((e) => n.endsWith(e))).sort()
    } catch (err) {
      findings.push(missing(ixitDir, `cannot read IXIT folder: ${errorText(err)}`))
    }
    for (const name of inFolder) {
      if (await isFile(join(ixitDir, name))) files.ixit.push(join(ixitDir, name))
    }
    if (files.ixit.length === 0) {
      findings.push(missing(ixitDir, `no IXIT document in the folder (expected *.yaml, *.yml or *.json files)`))
    }
  } else {
    findings.push(missing(dir, `no IXIT document (expected ixit.yaml, ixit.yml, ixit.json or an ixit/ folder)`))
  }
  if (!files.ics) findings.push(missing(dir, `no ICS document (expected ics.yaml, ics.yml or ics.json)`))
  return { files, findings }
}

function missing(file: string, message: string): Finding {
  return finding('error', 'missing-document', { file, line: 1, column: 1 }, message)
}

function duplicateDocument(file: string, message: string): Finding {
  return finding('error', 'duplicate-document', { file, line: 1, column: 1 }, message)
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  )
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  )
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
