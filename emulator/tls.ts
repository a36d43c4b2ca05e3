import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { createSecureContext, TLSSocket } from 'node:tls'
import { definedOnly } from './defined.ts'
import { EmulatorConfigError } from './errors.ts'

export interface TlsMaterial {
  certPem: string
  keyPem: string
}

/** What a request's connection negotiated. */
export interface TlsDetails {
  protocol: string
  cipher: string
  servername?: string
}

/** Loads the pair once, so a bad certificate is a configuration error, not a failed handshake. */
export function checkTls(tls: TlsMaterial): void {
  if (typeof tls.certPem !== 'string' || typeof tls.keyPem !== 'string') throw new EmulatorConfigError('TLS needs certPem and keyPem')
  try {
    createSecureContext({ cert: tls.certPem, key: tls.keyPem })
  } catch (e) {
    throw new EmulatorConfigError(`the update server certificate or key does not load: ${(e as Error).message}`)
  }
}

export function certificateFingerprint(certPem: string): string {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem)
  const der = Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64')
  return `sha256:${createHash('sha256').update(der).digest('hex')}`
}

export function servernameOf(socket: TLSSocket): string | undefined {
  return typeof socket.servername === 'string' ? socket.servername : undefined
}

/** `undefined` on plain HTTP. */
export function tlsDetails(socket: Socket): TlsDetails | undefined {
  if (!(socket instanceof TLSSocket)) return undefined
  return definedOnly({
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.name ?? 'unknown',
    servername: servernameOf(socket),
  })
}
