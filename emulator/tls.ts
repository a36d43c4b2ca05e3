import { createHash } from 'node:crypto'
import { Socket } from 'node:net'
import { createSecureContext, TLSSocket } from 'node:tls'
import { definedOnly } from './defined.ts'
import { EmulatorConfigError } from './errors.ts'

export interface TlsMaterial {
  certPem: string
  keyPem: string
}

/**
 * Which certificate a TLS connection was accepted under. A judge counts a request against an
 * impostor only with this proof: the time a request arrived says nothing about the certificate
 * its connection was made under (a keep-alive connection or a check in flight at the swap).
 */
export interface ConnectionTag {
  /** Running number of the connection on this emulator, from 1. */
  connection: number
  /** Counts up at every certificate swap; the connection was accepted under this one. */
  generation: number
  /** `sha256:<hex>` of the certificate presented: read from the handshake once it completed, else the one in use at accept. */
  certificateSha256: string
  /** When the TCP connection was accepted, epoch ms. */
  acceptedAt: number
}

/** What a request's connection negotiated, and under which certificate it was accepted. */
export interface TlsDetails extends Partial<ConnectionTag> {
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

/** Of the first (leaf) certificate of a PEM chain. */
export function certificateFingerprint(certPem: string): string {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(certPem)
  return derFingerprint(Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'base64'))
}

function derFingerprint(der: Buffer): string {
  return `sha256:${createHash('sha256').update(der).digest('hex')}`
}

/** The certificate this (server-side) socket presented in its completed handshake. */
export function presentedFingerprint(socket: TLSSocket): string | undefined {
  const cert = socket.getCertificate()
  return cert && 'raw' in cert && Buffer.isBuffer(cert.raw) ? derFingerprint(cert.raw) : undefined
}

export function servernameOf(socket: TLSSocket): string | undefined {
  return typeof socket.servername === 'string' ? socket.servername : undefined
}

/** Node keeps the TCP socket under a server-side TLS socket as `_parent`. */
export function parentOf(socket: Socket): Socket | undefined {
  const parent = (socket as unknown as { _parent?: unknown })._parent
  return parent instanceof Socket ? parent : undefined
}

const tags = new WeakMap<Socket, ConnectionTag>()

/** Set by the listener's connection tracking; read back for each request's `tls`. */
export function tagConnection(socket: Socket, tag: ConnectionTag): void {
  tags.set(socket, tag)
}

export function connectionTag(socket: Socket): ConnectionTag | undefined {
  const tag = tags.get(socket) ?? tags.get(parentOf(socket) ?? socket)
  return tag && { ...tag }
}

/** `undefined` on plain HTTP. */
export function tlsDetails(socket: Socket): TlsDetails | undefined {
  if (!(socket instanceof TLSSocket)) return undefined
  return definedOnly({
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.name ?? 'unknown',
    servername: servernameOf(socket),
    ...connectionTag(socket),
  })
}
