import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../core/atomic-file.ts'
import type { EvidenceSeal, OutputFile } from '../core/verdict.ts'
import { CERTIFICATE, listFolder, MANIFEST, PUBLIC_KEY, SIGNATURE } from './files.ts'
import { digestOf, formatManifest, hashFiles, type ManifestEntry } from './manifest.ts'
import type { Signer } from './sign.ts'

async function exists(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory()
  } catch {
    return false
  }
}

/** Every regular file of the run folder with its hash; a folder not made yet holds none. */
async function entriesOf(dir: string): Promise<ManifestEntry[]> {
  if (!(await exists(dir))) return []
  return hashFiles(dir, (await listFolder(dir)).files)
}

/**
 * Seals what the run folder holds before the reports are written (the evidence log, attack
 * images), so results.json and the reports can name the digest of the evidence they rest on.
 */
export async function sealRunFolder(dir: string): Promise<EvidenceSeal> {
  const entries = await entriesOf(dir)
  return { algorithm: 'sha256', files: entries.length, digest: digestOf(entries), paths: entries.map((e) => e.path) }
}

/** What `writePack` wrote, for the list of a run's files and the terminal. */
export interface PackWritten {
  files: OutputFile[]
  /** How many files the manifest lists. */
  listed: number
}

/**
 * Writes MANIFEST.sha256 over every file of the run folder, reports included, and signs it when
 * the lab gave a key. A signature, key or certificate left by an earlier run into the same folder
 * is removed first: beside a new manifest it would only fail verification, or vouch for nothing.
 */
export async function writePack(dir: string, signer?: Signer): Promise<PackWritten> {
  await Promise.all([SIGNATURE, PUBLIC_KEY, CERTIFICATE].map((name) => rm(join(dir, name), { force: true })))
  const entries = await entriesOf(dir)
  const manifest = Buffer.from(formatManifest(entries), 'utf8')
  await writeFileAtomic(join(dir, MANIFEST), manifest)
  const files: OutputFile[] = [{ path: MANIFEST, kind: 'manifest' }]
  if (signer) {
    await writeFileAtomic(join(dir, SIGNATURE), `${signer.sign(manifest)}\n`)
    await writeFileAtomic(join(dir, signer.companion.path), signer.companion.pem)
    files.push({ path: SIGNATURE, kind: 'signature' }, { path: signer.companion.path, kind: signer.companion.kind })
  }
  return { files, listed: entries.length }
}
