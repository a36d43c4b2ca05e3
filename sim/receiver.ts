import { createHash, type Hash } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { ReferenceDut } from './device.ts'
import { SimError } from './errors.ts'

export interface Announced {
  /** Bytes the sender announced; the transfer never stores more. */
  size: number
  /** SHA-256 the sender announced, when it did (hex). */
  sha256?: string
}

export interface Received {
  path: string
  bytes: number
  sha256: string
  /** The power cycle the transfer began in: an install after a restart is refused. */
  bootId: number
}

/**
 * An image arriving in pieces over a control channel (MQTT chunks, console base64 lines or raw
 * bytes), written into the staging area as it comes, never kept in memory. The announced size is
 * a hard cap; on `finish` the length and, where announced, the SHA-256 must match. The signed
 * manifest decides about the image afterwards, as for every other delivery.
 */
export class ImageReceiver {
  bytes = 0
  private readonly hash: Hash = createHash('sha256')
  private done = false

  private constructor(
    readonly path: string,
    /** Written synchronously: a piece is a line or a chunk of a kilobyte or so, and a thread-pool round trip for each cost more than the write. */
    private readonly fd: number,
    readonly announced: Announced,
    readonly bootId: number,
  ) {}

  static async open(device: ReferenceDut, announced: Announced, kind: string): Promise<ImageReceiver> {
    const { size, sha256 } = announced
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new SimError('E_SIM_BAD_REQUEST', 'the size must be a positive whole number of bytes')
    if (size > device.maxImageBytes)
      throw new SimError('E_SIM_TOO_LARGE', `the image (${size} bytes) exceeds the ${device.maxImageBytes}-byte staging area`)
    if (sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(sha256))
      throw new SimError('E_SIM_BAD_REQUEST', 'the SHA-256 must be 64 hex digits')
    if (!device.isUp) throw new SimError('E_SIM_RESTARTING', 'the device is restarting')
    const path = device.stagingFile(kind)
    const fd = openSync(path, 'w', 0o600)
    return new ImageReceiver(path, fd, { size, ...(sha256 ? { sha256: sha256.toLowerCase() } : {}) }, device.bootId)
  }

  get remaining(): number {
    return this.announced.size - this.bytes
  }

  /** Appends a piece; more than announced ends the transfer (E_SIM_TOO_LARGE). */
  async write(piece: Buffer): Promise<void> {
    if (this.done) throw new SimError('E_SIM_TRANSFER', 'the transfer is over')
    if (this.bytes + piece.length > this.announced.size) {
      throw new SimError('E_SIM_TOO_LARGE', `more than the announced ${this.announced.size} bytes arrived`)
    }
    this.bytes += piece.length
    this.hash.update(piece)
    let at = 0
    while (at < piece.length) at += writeSync(this.fd, piece, at)
  }

  /** Closes the file; the length and the announced hash must match (E_SIM_TRANSFER), or the file is gone. */
  async finish(): Promise<Received> {
    if (this.done) throw new SimError('E_SIM_TRANSFER', 'the transfer is over')
    this.done = true
    closeSync(this.fd)
    const sha256 = this.hash.digest('hex')
    const { size, sha256: expected } = this.announced
    let problem: string | undefined
    if (this.bytes !== size) problem = `${this.bytes} of the announced ${size} bytes arrived`
    else if (expected !== undefined && sha256 !== expected)
      problem = `the SHA-256 of the received bytes (${sha256}) differs from the announced ${expected}`
    if (problem) {
      await rm(this.path, { force: true })
      throw new SimError('E_SIM_TRANSFER', problem)
    }
    return { path: this.path, bytes: this.bytes, sha256, bootId: this.bootId }
  }

  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true
      try {
        closeSync(this.fd)
      } catch {
        // Already gone with the transfer: the file is removed below either way.
      }
    }
    await rm(this.path, { force: true })
  }
}
