/**
 * What the files of a DUT profile hold, checked before any device step: certificates parse as
 * X.509, keys parse and belong to their certificate, images are non-empty. A certificate that
 * would not load used to surface mid-run, in the middle of a test, as if the device had refused
 * a connection; here it is the lab's finding, at the field that names the file.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'
import { open } from 'node:fs/promises'
import { finding } from '../ixit/findings.ts'
import { toPointer } from '../ixit/pointer.ts'
import { formatBytes, reason, type PathSegment, type SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import type { ProfileFile } from './files.ts'

/** Certificates, keys and CA bundles are small; a larger file named as one is the wrong file. */
const MAX_PEM_BYTES = 1024 * 1024

const CERTIFICATE_KEYS = new Set(['certFile', 'caCertFile', 'caFile'])
const KEY_KEYS = new Set(['keyFile', 'caKeyFile'])
/** The certificate each key belongs to, in the same object. */
const PAIR: Readonly<Record<string, string>> = { keyFile: 'certFile', caKeyFile: 'caCertFile' }

export async function materialFindings(files: readonly ProfileFile[], locate: SourceDoc['locate']): Promise<Finding[]> {
  const findings: Finding[] = []
  const report = (f: ProfileFile, code: string, message: string) => {
    // A CA key ts701 cannot sign with costs only the impostor units that need it (INCONCLUSIVE, as documented); the rest of the run stands.
    const softly = f.path.at(-1) === 'caKeyFile'
    const consequence = softly ? '; the impostor units signed with the lab CA (5.3-10-1d) will be INCONCLUSIVE' : ''
    findings.push(
      finding(softly ? 'warning' : 'error', code, locate(f.path), `file "${f.written}" ${message}${consequence}`, toPointer(f.path)),
    )
  }
  const certificates = new Map<string, X509Certificate>()
  const keys: Array<{ file: ProfileFile; key: KeyObject }> = []

  for (const f of files) {
    const name = String(f.path.at(-1))
    const kind = CERTIFICATE_KEYS.has(name) ? 'certificate' : KEY_KEYS.has(name) ? 'key' : 'image'
    const read = await head(f.resolved, kind === 'image' ? 1 : MAX_PEM_BYTES)
    if (typeof read === 'string') {
      report(f, 'unreadable-file', read)
      continue
    }
    if (read.length === 0) {
      report(f, kind === 'image' ? 'bad-image' : `bad-${kind}`, `is empty`)
      continue
    }
    if (kind === 'image') continue
    if (read.length > MAX_PEM_BYTES) {
      report(f, `bad-${kind}`, `is larger than ${formatBytes(MAX_PEM_BYTES)}: not a ${kind} file`)
      continue
    }
    if (kind === 'certificate') {
      const cert = certificateOf(read)
      if (typeof cert === 'string') report(f, 'bad-certificate', `is not an X.509 certificate (PEM or DER): ${cert}`)
      else certificates.set(slot(f.path, name), cert)
    } else {
      try {
        keys.push({ file: f, key: createPrivateKey(read) })
      } catch (err) {
        report(f, 'bad-key', `is not a private key ts701 can load (PEM or DER, unencrypted): ${reason(err)}`)
      }
    }
  }

  for (const { file, key } of keys) {
    const name = String(file.path.at(-1))
    const certName = PAIR[name]
    const cert = certName ? certificates.get(slot(file.path, certName)) : undefined
    if (cert && !cert.checkPrivateKey(key)) {
      report(file, 'key-mismatch', `is not the private key of the certificate in ${certName}: give the key that certificate was issued for`)
    }
  }
  return findings
}

/** The place of a sibling field: the same object, another key. */
function slot(path: readonly PathSegment[], key: string): string {
  return toPointer([...path.slice(0, -1), key])
}

/** Up to `limit` + 1 bytes, or why the file cannot be read. */
async function head(path: string, limit: number): Promise<Buffer | string> {
  let handle
  try {
    handle = await open(path, 'r')
    const buffer = Buffer.alloc(limit + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
      if (length === buffer.length) break
    }
    return buffer.subarray(0, length)
  } catch (err) {
    return `cannot be read (${reason(err)})`
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

/** The first certificate of a PEM file (a chain or CA bundle names several), or DER. */
function certificateOf(bytes: Buffer): X509Certificate | string {
  const text = bytes.toString('latin1')
  const block = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(text)?.[0]
  try {
    if (block) return new X509Certificate(block)
    if (text.includes('-----BEGIN')) return 'it holds no PEM block "BEGIN CERTIFICATE"'
  } catch (err) {
    return reason(err)
  }
  try {
    return new X509Certificate(bytes)
  } catch {
    return 'it has no "BEGIN CERTIFICATE" line, and it is not DER either'
  }
}
