/**
 * The device's side of a detached update (mode `detached`): how it checks a JSON manifest, its
 * detached signature and the payload, and how the three lie in its staging area. The staged
 * manifest is the update's main file (what `installLocked` is handed, whose SHA-256 is the one the
 * device remembers as installed); the signature and payload lie beside it as `<file>.sig` and
 * `<file>.payload`. The checks are the ts701 format's, in the same order and switched off by the
 * same `VerifyPolicy`, so the five image flaws mean the same thing in both formats.
 */
import { createHash } from 'node:crypto'
import { open, readFile, rename, rm, stat } from 'node:fs/promises'
import { decodeSignature } from '../fixtures/detached.ts'
import { hashRange } from '../fixtures/hash.ts'
import { extractPayload, verifyImage, type ImageManifest, type Verification, type VerifyPolicy } from '../fixtures/image.ts'
import { keyIdOf, SIGNING_ALGORITHMS, keyFitsAlgorithm, verifyBytes } from '../fixtures/keys.ts'
import { writeParts, type Written } from '../fixtures/stream.ts'

/** Larger manifests or signatures are not ones this device's vendor writes: refused unread. */
export const MAX_DETACHED_MANIFEST = 64 * 1024
export const MAX_DETACHED_SIGNATURE = 4 * 1024

/** Where the companions of a staged detached update lie. */
export const stagedParts = (path: string) => ({ signature: `${path}.sig`, payload: `${path}.payload` })

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** The reference manifest in the ts701 manifest's terms (what flash, counters and logs speak). */
export function parseDetachedManifest(bytes: Buffer): ImageManifest | string {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return 'the manifest is not UTF-8 JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the manifest is not a JSON object'
  const m = value as Record<string, unknown>
  const payload = m.payload as Record<string, unknown> | undefined
  if (typeof m.version !== 'string' || m.version === '') return 'manifest field version must be a string'
  if (!isCount(m.versionCounter)) return 'manifest field versionCounter must be a non-negative integer'
  if (typeof m.hardwareId !== 'string') return 'manifest field hardwareId must be a string'
  if (typeof m.keyId !== 'string') return 'manifest field keyId must be a string'
  if (typeof payload !== 'object' || payload === null || !isCount(payload.size))
    return 'manifest field payload.size must be a non-negative integer'
  if (typeof payload.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(payload.sha256))
    return 'manifest field payload.sha256 must be 64 lowercase hex digits'
  return {
    format: 1,
    hardwareId: m.hardwareId,
    version: m.version,
    versionCounter: m.versionCounter,
    payloadLength: payload.size,
    payloadSha256: payload.sha256,
    signatureAlgorithm: 'ecdsa-p256-sha256',
    keyId: m.keyId,
  }
}

/**
 * Everything that can be decided before the payload is fetched: the signature over the manifest's
 * exact bytes (an empty signature file is an unsigned update), the hardware and the counter.
 */
export function verifyDetachedManifest(bytes: Buffer, signatureFile: Buffer, policy: VerifyPolicy): Verification {
  if (bytes.length > MAX_DETACHED_MANIFEST)
    return { ok: false, code: 'format', reason: `The manifest exceeds ${MAX_DETACHED_MANIFEST} bytes.` }
  const parsed = parseDetachedManifest(bytes)
  if (typeof parsed === 'string') return { ok: false, code: 'format', reason: `${parsed}.` }
  const manifest = parsed
  const fail = (code: Exclude<Verification, { ok: true }>['code'], reason: string): Verification => ({ ok: false, code, reason, manifest })
  const signature = decodeSignature(signatureFile, 'binary')
  if (policy.checkSignature ?? true) {
    if (signature.length === 0) {
      if (policy.requireSignature ?? true) return fail('unsigned', 'The manifest comes with an empty signature file.')
    } else {
      const candidates = policy.trustedKeys.filter((key) => keyIdOf(key) === manifest.keyId)
      if (candidates.length === 0) return fail('untrusted-key', `The manifest names key "${manifest.keyId}", which is not a trusted key.`)
      // The manifest does not name a scheme: each trusted key is used with the one it fits.
      const valid = candidates.some((key) =>
        SIGNING_ALGORITHMS.some((a) => keyFitsAlgorithm(key, a) && verifyBytes(a, key, bytes, signature)),
      )
      if (!valid) return fail('bad-signature', `The signature does not verify over the manifest with trusted key ${manifest.keyId}.`)
    }
  }
  if (policy.hardwareId !== undefined && manifest.hardwareId !== policy.hardwareId)
    return fail('wrong-hardware', `The update is for hardware "${manifest.hardwareId}", not "${policy.hardwareId}".`)
  if (policy.minVersionCounter !== undefined && !(manifest.versionCounter > policy.minVersionCounter))
    return fail('rollback', `Version counter ${manifest.versionCounter} is not greater than the device's ${policy.minVersionCounter}.`)
  return { ok: true, manifest }
}

/** The whole staged update: the manifest's checks, then the payload's length and SHA-256 against it. */
export async function verifyDetached(path: string, policy: VerifyPolicy): Promise<Verification> {
  const parts = stagedParts(path)
  let bytes: Buffer
  let signature: Buffer
  try {
    if ((await stat(path)).size > MAX_DETACHED_MANIFEST || (await stat(parts.signature)).size > MAX_DETACHED_SIGNATURE)
      return { ok: false, code: 'format', reason: 'The manifest or its signature is larger than this device accepts.' }
    bytes = await readFile(path)
    signature = await readFile(parts.signature)
  } catch {
    return { ok: false, code: 'format', reason: 'The manifest or its signature is missing.' }
  }
  const header = verifyDetachedManifest(bytes, signature, policy)
  if (!header.ok || policy.checkPayload === false) return header
  const { manifest } = header
  let got: Written
  try {
    got = await hashRange(parts.payload)
  } catch {
    return { ok: false, code: 'length', reason: 'The payload is missing.', manifest }
  }
  if (got.size !== manifest.payloadLength)
    return {
      ok: false,
      code: 'length',
      reason: `The payload has ${got.size} bytes, the manifest says ${manifest.payloadLength}.`,
      manifest,
    }
  if (got.sha256 !== manifest.payloadSha256)
    return { ok: false, code: 'payload-hash', reason: 'The SHA-256 of the payload differs from the manifest.', manifest }
  return header
}

/** A staged update is a detached one when its main file is JSON; the ts701 format starts with its magic. */
export async function isDetachedStaged(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch(() => undefined)
  if (!file) return false
  try {
    const first = Buffer.alloc(1)
    const { bytesRead } = await file.read(first, 0, 1, 0)
    return bytesRead === 1 && first[0] === 0x7b
  } finally {
    await file.close()
  }
}

/**
 * The device's verification of a staged update. Only a device in mode `detached` takes the
 * detached form; any other reads every file as a ts701 image, so a JSON upload is no way around it.
 */
export async function verifyStaged(path: string, policy: VerifyPolicy, detached: boolean): Promise<Verification> {
  return detached && (await isDetachedStaged(path)) ? verifyDetached(path, policy) : verifyImage(path, policy)
}

/** Writes the payload of a staged update, of either form, to `out` (an inactive slot). */
export async function extractStagedPayload(path: string, out: string): Promise<Written> {
  if (!(await isDetachedStaged(path))) return extractPayload(path, out)
  return writeParts(out, [{ path: stagedParts(path).payload }])
}

/** Removes a staged update with whatever companions it has. */
export async function removeStaged(path: string): Promise<void> {
  const parts = stagedParts(path)
  await Promise.all([path, parts.signature, parts.payload].map((p) => rm(p, { force: true })))
}

/** Moves a staged update, companions and all (a rename each, within the staging folder). */
export async function moveStaged(from: string, to: string): Promise<void> {
  const a = stagedParts(from)
  const b = stagedParts(to)
  for (const [src, dst] of [
    [a.signature, b.signature],
    [a.payload, b.payload],
  ] as const)
    await rename(src, dst).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  await rename(from, to)
}

/** SHA-256 of bytes in memory, as the device names a manifest it has fetched. */
export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
