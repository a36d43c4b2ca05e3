import { createHash, createPrivateKey, createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { isWithin } from '../core/paths.ts'
import { SignKeyError } from './errors.ts'
import { CERTIFICATE, PUBLIC_KEY } from './files.ts'

/**
 * The hash each key type signs with: Ed25519 hashes inside the algorithm (node takes `null`), RSA
 * (PKCS#1 v1.5) and ECDSA (DER signature) sign a SHA-256 digest, as `openssl dgst -sha256 -sign` does.
 */
const DIGEST: Record<string, string | null> = { ed25519: null, rsa: 'sha256', ec: 'sha256' }

/** How a key reads in output: `Ed25519`, `RSA-3072`, `ECDSA prime256v1`. */
export function keyName(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === 'rsa') return `RSA-${details.modulusLength ?? '?'}`
  if (key.asymmetricKeyType === 'ec') return `ECDSA ${details.namedCurve ?? '?'}`
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519'
  return key.asymmetricKeyType ?? 'unknown'
}

/** SHA-256 over the public key's DER (SPKI): what a lab compares with the key it keeps on file. */
export function fingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
}

/** A file the signer writes beside the signature so a verifier finds the key without being told. */
export interface Companion {
  path: typeof PUBLIC_KEY | typeof CERTIFICATE
  kind: 'public-key' | 'certificate'
  pem: string
}

/** The lab's signing key, loaded once before the run. It holds the private key in memory only. */
export interface Signer {
  /** e.g. `Ed25519 key (sha256 9f3c…)` or `RSA-3072 key of CN=Lab`, for the terminal. */
  label: string
  /** The detached signature over `data`, base64. */
  sign(data: Buffer): string
  companion: Companion
}

/** Below `dir`, not `dir` itself. */
function insideFolder(file: string, dir: string): boolean {
  return resolve(file) !== resolve(dir) && isWithin(resolve(dir), resolve(file))
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new SignKeyError(`${what} ${file} cannot be read (${messageOf(err)})`)
  }
}

/**
 * Loads `--sign-key` (and `--sign-cert`) and checks them as far as they can be checked before any
 * evidence exists: a private key of a supported type, a certificate of that very key, and the key
 * not stored inside `runDir`, where it would be published with the evidence it signs.
 */
export async function loadSigner(keyFile: string, certFile: string | undefined, runDir: string): Promise<Signer> {
  if (insideFolder(keyFile, runDir)) {
    throw new SignKeyError(`the signing key ${keyFile} lies inside the run folder ${runDir}: it would be handed out with the evidence`)
  }
  let key: KeyObject
  try {
    key = createPrivateKey(await readText(keyFile, 'the signing key'))
  } catch (err) {
    if (err instanceof SignKeyError) throw err
    // node's reason names the format problem, never the key material.
    throw new SignKeyError(`the signing key ${keyFile} is not an unencrypted PEM private key (${messageOf(err)})`)
  }
  const type = key.asymmetricKeyType ?? 'unknown'
  const digest = DIGEST[type]
  if (digest === undefined) {
    throw new SignKeyError(`the signing key ${keyFile} is a ${type} key; ts701 signs with Ed25519, RSA or EC keys`)
  }
  const doSign = (data: Buffer): string => sign(digest, data, key).toString('base64')
  if (!certFile) {
    const publicKey = createPublicKey(key)
    return {
      label: `${keyName(key)} key (public key sha256 ${fingerprint(publicKey)})`,
      sign: doSign,
      companion: { path: PUBLIC_KEY, kind: 'public-key', pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    }
  }
  let cert: X509Certificate
  try {
    cert = new X509Certificate(await readText(certFile, 'the signing certificate'))
  } catch (err) {
    if (err instanceof SignKeyError) throw err
    throw new SignKeyError(`the signing certificate ${certFile} is not a PEM X.509 certificate (${messageOf(err)})`)
  }
  if (!cert.checkPrivateKey(key)) {
    throw new SignKeyError(`the signing certificate ${certFile} (${oneLine(cert.subject)}) is not the certificate of the key ${keyFile}`)
  }
  return {
    label: `${keyName(key)} key of the certificate ${oneLine(cert.subject)}`,
    sign: doSign,
    companion: { path: CERTIFICATE, kind: 'certificate', pem: cert.toString() },
  }
}

/** node prints a subject one attribute per line; output wants it on one. */
export function oneLine(subject: string): string {
  return subject.split('\n').filter(Boolean).join(', ')
}

/** A public key (SPKI PEM) or a certificate (PEM), as `--pub`, `--cert` or the files beside a manifest hold them. */
export function checkingKey(pem: string, form: 'public-key' | 'certificate'): { publicKey: KeyObject; subject?: string } {
  if (form === 'certificate') {
    const cert = new X509Certificate(pem)
    return { publicKey: cert.publicKey, subject: oneLine(cert.subject) }
  }
  return { publicKey: createPublicKey(pem) }
}

/**
 * Whether `signatureText` (base64) is a signature of `data` by `publicKey`. A malformed signature
 * or an unsupported key is simply not valid: the caller reports it as a failed signature.
 */
export function signatureHolds(data: Buffer, signatureText: string, publicKey: KeyObject): boolean {
  const text = signatureText.trim()
  const digest = DIGEST[publicKey.asymmetricKeyType ?? '']
  if (digest === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false
  try {
    return verify(digest, data, publicKey, Buffer.from(text, 'base64'))
  } catch {
    return false
  }
}
