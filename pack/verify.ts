import type { KeyObject } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { PackInputError } from './errors.ts'
import { CERTIFICATE, listFolder, MANIFEST, PUBLIC_KEY, RESULTS, SIGNATURE } from './files.ts'
import { byPath, digestOf, hashFiles, parseManifest, type ManifestEntry } from './manifest.ts'
import { checkingKey, fingerprint, keyName, signatureHolds } from './sign.ts'

/** The lab's own key or certificate to check the signature with, instead of the one beside the manifest. */
export interface VerifyOptions {
  /** A public key, SPKI PEM. */
  pub?: string
  /** A certificate, PEM; its public key is used. */
  cert?: string
}

/** A file that does not match the manifest. */
export interface FileProblem {
  kind: 'altered' | 'missing' | 'extra'
  path: string
  /** Why, when the kind alone does not say it (a link where a file was). */
  note?: string
}

export type SignatureCheck =
  /** No signature, and none was asked for. */
  | { status: 'unsigned' }
  /** `key` names the key used (file, type, fingerprint); `labKey` whether the lab gave it or it lay beside the manifest. */
  | { status: 'valid' | 'invalid'; key: string; labKey: boolean }
  /** A signature was expected or present, but could not be checked. */
  | { status: 'unchecked'; reason: string }

export type SealCheck = { status: 'valid'; files: number } | { status: 'invalid'; reason: string }

/** Everything verify found; `packHolds` says whether it adds up to an intact pack. */
export interface PackCheck {
  /** Files the manifest lists. */
  listed: number
  problems: FileProblem[]
  signature: SignatureCheck
  seal: SealCheck
}

export function packHolds(check: PackCheck): boolean {
  return (
    check.problems.length === 0 &&
    (check.signature.status === 'unsigned' || check.signature.status === 'valid') &&
    check.seal.status === 'valid'
  )
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function readManifest(dir: string): Promise<{ bytes: Buffer; entries: ManifestEntry[] }> {
  const folder = await stat(dir).catch(() => undefined)
  if (!folder?.isDirectory()) throw new PackInputError('E_PACK_NO_FOLDER', `${dir} is not a folder`)
  const bytes = await readOptional(join(dir, MANIFEST))
  if (!bytes) {
    throw new PackInputError(
      'E_PACK_NO_MANIFEST',
      `${dir} has no ${MANIFEST}: it is not a run folder of ts701 run, or its manifest was removed`,
    )
  }
  return { bytes, entries: parseManifest(bytes.toString('utf8')) }
}

/** Compares the folder with the manifest, file by file. */
async function compareFiles(dir: string, entries: readonly ManifestEntry[]): Promise<FileProblem[]> {
  const { files, others } = await listFolder(dir)
  const present = new Set(files)
  const irregular = new Set(others)
  const listed = new Set(entries.map((e) => e.path))
  const hashed = new Map(
    (
      await hashFiles(
        dir,
        entries.filter((e) => present.has(e.path)).map((e) => e.path),
      )
    ).map((e) => [e.path, e.sha256]),
  )
  const problems: FileProblem[] = []
  for (const entry of entries) {
    if (irregular.has(entry.path)) problems.push({ kind: 'altered', path: entry.path, note: 'no longer a regular file' })
    else if (!present.has(entry.path)) problems.push({ kind: 'missing', path: entry.path })
    else if (hashed.get(entry.path) !== entry.sha256) problems.push({ kind: 'altered', path: entry.path })
  }
  for (const path of files) if (!listed.has(path)) problems.push({ kind: 'extra', path })
  for (const path of others) if (!listed.has(path)) problems.push({ kind: 'extra', path, note: 'not a regular file' })
  return problems.sort(byPath)
}

interface KeyInUse {
  publicKey: KeyObject
  /** How the output names it. */
  label: string
}

/** `lab.crt: ECDSA prime256v1, CN=Lab, public key sha256 9f3c…`: the file, and enough to recognise the key. */
function describeKey(k: ReturnType<typeof checkingKey>, file: string): KeyInUse {
  const subject = k.subject ? `, ${k.subject}` : ''
  return { publicKey: k.publicKey, label: `${file}: ${keyName(k.publicKey)}${subject}, public key sha256 ${fingerprint(k.publicKey)}` }
}

/** The lab's key, from `--pub` or `--cert`; one that does not read is bad input, not a broken pack. */
async function labKey(options: VerifyOptions): Promise<KeyInUse | undefined> {
  if (options.pub && options.cert) throw new PackInputError('E_PACK_LAB_KEY', 'give the lab key as --pub or as --cert, not both')
  const file = options.pub ?? options.cert
  if (!file) return undefined
  const form = options.pub ? 'public-key' : 'certificate'
  try {
    return describeKey(checkingKey(await readFile(file, 'utf8'), form), file)
  } catch (err) {
    const what = form === 'certificate' ? 'a PEM X.509 certificate' : 'a PEM public key'
    throw new PackInputError(
      'E_PACK_LAB_KEY',
      `${options.pub ? '--pub' : '--cert'} ${file} is not ${what} that can be read (${messageOf(err)})`,
    )
  }
}

/** The key the signer left beside the manifest; its certificate wins if both are there. */
async function besideKey(dir: string): Promise<KeyInUse | string> {
  for (const [name, form] of [
    [CERTIFICATE, 'certificate'],
    [PUBLIC_KEY, 'public-key'],
  ] as const) {
    const pem = await readOptional(join(dir, name))
    if (!pem) continue
    try {
      return describeKey(checkingKey(pem.toString('utf8'), form), name)
    } catch (err) {
      return `${name} cannot be read (${messageOf(err)})`
    }
  }
  return `no key to check it with: neither ${PUBLIC_KEY} nor ${CERTIFICATE} is beside the manifest, and no --pub or --cert was given`
}

async function checkSignature(dir: string, manifest: Buffer, lab: KeyInUse | undefined): Promise<SignatureCheck> {
  const signature = await readOptional(join(dir, SIGNATURE))
  if (!signature) {
    return lab
      ? { status: 'unchecked', reason: `the manifest is not signed (no ${SIGNATURE}), but a lab key was given` }
      : { status: 'unsigned' }
  }
  const key = lab ?? (await besideKey(dir))
  if (typeof key === 'string') return { status: 'unchecked', reason: key }
  const holds = signatureHolds(manifest, signature.toString('utf8'), key.publicKey)
  return { status: holds ? 'valid' : 'invalid', key: key.label, labKey: lab !== undefined }
}

/** The seal as results.json holds it, checked field by field: the file is input like any other. */
function sealIn(json: unknown): { digest: string; files: number; paths: string[] } | string {
  if (typeof json !== 'object' || json === null || !('seal' in json)) return `${RESULTS} carries no seal`
  const seal: unknown = json.seal
  if (typeof seal !== 'object' || seal === null) return `${RESULTS} carries no seal`
  const { algorithm, digest, files, paths } = seal as Record<string, unknown>
  if (algorithm !== 'sha256' || typeof digest !== 'string' || typeof files !== 'number') return `the seal in ${RESULTS} is malformed`
  if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === 'string')) {
    return `the seal in ${RESULTS} does not list the sealed files`
  }
  return { digest, files, paths }
}

/**
 * Recomputes the seal from the manifest lines of the files it names. The lines were checked
 * against the files already, so a match ties the digest the reports print to the bytes on disk;
 * a mismatch means a sealed file changed between the seal and the manifest, or the seal was edited.
 */
async function checkSeal(dir: string, entries: readonly ManifestEntry[]): Promise<SealCheck> {
  const text = await readOptional(join(dir, RESULTS))
  if (!text) return { status: 'invalid', reason: `no ${RESULTS}, which carries the seal` }
  let json: unknown
  try {
    json = JSON.parse(text.toString('utf8'))
  } catch {
    return { status: 'invalid', reason: `${RESULTS} is not JSON` }
  }
  const seal = sealIn(json)
  if (typeof seal === 'string') return { status: 'invalid', reason: seal }
  if (seal.files !== seal.paths.length) {
    return { status: 'invalid', reason: `the seal counts ${seal.files} files but lists ${seal.paths.length}` }
  }
  const byName = new Map(entries.map((e) => [e.path, e]))
  const unlisted = seal.paths.filter((p) => !byName.has(p))
  if (unlisted.length > 0) return { status: 'invalid', reason: `sealed files not in the manifest: ${unlisted.join(', ')}` }
  const digest = digestOf(seal.paths.map((p) => byName.get(p)!))
  if (digest !== seal.digest) {
    return {
      status: 'invalid',
      reason: `the seal in ${RESULTS} is ${seal.digest}, but the manifest lines of its ${seal.files} files give ${digest}`,
    }
  }
  return { status: 'valid', files: seal.files }
}

/**
 * Checks a run folder: every file against MANIFEST.sha256, the signature over the manifest, and
 * the seal in results.json against the manifest. Throws `PackInputError` only when there is
 * nothing to check; everything found wrong with the evidence comes back in the result.
 */
export async function verifyRunFolder(dir: string, options: VerifyOptions = {}): Promise<PackCheck> {
  const lab = await labKey(options)
  const { bytes, entries } = await readManifest(dir)
  return {
    listed: entries.length,
    problems: await compareFiles(dir, entries),
    signature: await checkSignature(dir, bytes, lab),
    seal: await checkSeal(dir, entries),
  }
}
