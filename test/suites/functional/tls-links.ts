/**
 * Device links for the impostor tests that speak real TLS to the real emulator (fake-dut.ts has
 * the fake ones): clients that refuse a certificate the way real agents do, silently.
 */
import { checkServerIdentity, connect, type TLSSocket } from 'node:tls'
import type { Announcement, ServerLink } from './fake-dut.ts'

/**
 * A TLS 1.3 client that completes the handshake without checking, then checks the chain and the
 * host name itself; on a bad certificate it sends no alert and either holds the socket open or
 * drops it a moment later. With the genuine certificate it goes on as `genuine` does.
 */
export class SilentRefusalLink implements ServerLink {
  readonly sockets: TLSSocket[] = []

  constructor(
    private readonly mode: 'hold' | 'drop',
    private readonly base: () => Promise<string>,
    private readonly caPem: string,
    private readonly genuine: ServerLink,
  ) {}

  async check(): Promise<Announcement | undefined> {
    const url = new URL(await this.base())
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect(
        { host: url.hostname, port: Number(url.port), ca: this.caPem, rejectUnauthorized: false, minVersion: 'TLSv1.3' },
        () => resolve(s),
      )
      s.once('error', reject)
    })
    socket.on('error', () => {})
    const refused = socket.authorized ? checkServerIdentity(url.hostname, socket.getPeerCertificate()) : socket.authorizationError
    if (!refused) {
      socket.destroy()
      return this.genuine.check()
    }
    this.sockets.push(socket)
    // It logs its verdict on the chain first, then drops the socket without close_notify:
    // destroy() ends the TCP stream only.
    if (this.mode === 'drop') setTimeout(() => socket.destroy(), 100).unref()
    throw new Error(`certificate refused: ${String(refused)}`)
  }

  download(url: string): Promise<{ sha256: string } | undefined> {
    return this.genuine.download(url)
  }
}
