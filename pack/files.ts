import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { OUT_LOCK } from '../core/lock-file.ts'

/** The manifest, at the top of the run folder. */
export const MANIFEST = 'MANIFEST.sha256'
/** Its detached signature, base64. */
export const SIGNATURE = `${MANIFEST}.sig`
/** The public half of the signing key, when it came without a certificate (SPKI PEM). */
export const PUBLIC_KEY = `${MANIFEST}.pub`
/** The certificate of the signing key, when one was given. */
export const CERTIFICATE = `${MANIFEST}.crt`

/**
 * Where a run keeps its result model (reports/results-json.ts writes it; this floor cannot import
 * it from there). Verify reads the seal from it.
 */
export const RESULTS = 'results.json'

/** The pack's own files: they describe the folder, so neither the seal nor the manifest can list them. */
export const PACK_FILES: readonly string[] = [MANIFEST, SIGNATURE, PUBLIC_KEY, CERTIFICATE]

/** What a run folder holds, by path relative to it with `/` separators. */
export interface FolderListing {
  /** Regular files, the pack's own excepted. */
  files: string[]
  /**
   * Symbolic links, sockets, devices: never hashed (a link may point outside the folder or nowhere),
   * so verify names them instead of letting them stand in for evidence.
   */
  others: string[]
}

/**
 * Every entry below `dir`, recursively. The paths are built with `/` whatever the platform, since
 * they become manifest lines that `sha256sum -c` must read back.
 */
export async function listFolder(dir: string): Promise<FolderListing> {
  const listing: FolderListing = { files: [], others: [] }
  const visit = async (rel: string): Promise<void> => {
    const entries: Dirent[] = await readdir(rel === '' ? dir : join(dir, rel), { withFileTypes: true })
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`
      if (entry.isDirectory()) await visit(path)
      else if (rel === '' && PACK_FILES.includes(entry.name)) continue
      // The lock of the run writing the folder: it is gone once the run ends, so it is not evidence.
      else if (rel === '' && entry.name === OUT_LOCK) continue
      else if (entry.isFile()) listing.files.push(path)
      else listing.others.push(path)
    }
  }
  await visit('')
  return listing
}
