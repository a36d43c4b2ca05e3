import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { Agent, request } from 'undici'
import { isLoopbackHost } from '../core/loopback.ts'
import { ByteLimit } from './byte-limit.ts'
import { SimError, errorMessage } from './errors.ts'

/** The simulator is a lab device: it never talks to anything but this machine. */
export function assertLoopback(url: URL, what: string): void {
  if (!isLoopbackHost(url.hostname))
    throw new SimError('E_SIM_NOT_LOOPBACK', `${what} ${url.origin} is not a loopback address; the simulator only connects to this machine`)
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SimError('E_SIM_CONFIG', `${what} must be http or https, got ${url.protocol}`)
}

export interface TransportOptions {
  /** The pinned vendor CA: the only trust anchor for HTTPS (it replaces the system store). */
  caPem?: string
  /** Flaw `trust-any-tls`: no chain and no host name validation. */
  trustAnyTls: boolean
  /** Real milliseconds; the network is not time-scaled. */
  timeoutMs: number
}

export interface Download {
  bytes: number
  sha256: string
}

/**
 * HTTP(S) for the update client. Certificate and host name validation are Node's (tls.connect
 * with the pinned CA as `ca`); the flaw turns both off in one place.
 */
export class UpdateTransport {
  private readonly agent: Agent

  constructor(private readonly options: TransportOptions) {
    this.agent = new Agent({
      connect: options.trustAnyTls
        ? { rejectUnauthorized: false }
        : { ...(options.caPem ? { ca: options.caPem } : {}), rejectUnauthorized: true },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
  }

  async getJson(url: URL, signal: AbortSignal, maxBytes = 64 * 1024): Promise<unknown> {
    assertLoopback(url, 'update server')
    const res = await this.send(url, signal, 'E_SIM_CHECK')
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new SimError('E_SIM_CHECK', `update server answered ${res.statusCode}`)
    }
    let text = ''
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString('utf8')
      if (text.length > maxBytes) {
        res.body.destroy()
        throw new SimError('E_SIM_CHECK', `check answer larger than ${maxBytes} bytes`)
      }
    }
    try {
      return JSON.parse(text)
    } catch {
      throw new SimError('E_SIM_CHECK', 'check answer is not JSON')
    }
  }

  /**
   * One request of an update protocol (a poll, a status or inventory report): the status and the
   * body as text, at most `maxBytes` of it. Only a failed exchange throws; any status is returned.
   */
  async exchange(
    url: URL,
    signal: AbortSignal,
    how: { method?: 'GET' | 'PUT' | 'PATCH' | 'POST'; json?: unknown; maxBytes?: number } = {},
  ): Promise<{ status: number; text: string }> {
    assertLoopback(url, 'update server')
    const body = how.json === undefined ? undefined : JSON.stringify(how.json)
    const res = await this.send(url, signal, 'E_SIM_CHECK', how.method ?? 'GET', body)
    const maxBytes = how.maxBytes ?? 64 * 1024
    let text = ''
    for await (const chunk of res.body) {
      text += (chunk as Buffer).toString('utf8')
      if (text.length > maxBytes) {
        res.body.destroy()
        throw new SimError('E_SIM_CHECK', `answer larger than ${maxBytes} bytes`)
      }
    }
    return { status: res.statusCode, text }
  }

  /**
   * Streams `url` into `out`, never keeping more than the announced `size`: one byte more and the
   * transfer is cut (the endless-data attack), a stall past the timeout likewise.
   */
  async download(url: URL, size: number, out: string, signal: AbortSignal): Promise<Download> {
    assertLoopback(url, 'image URL')
    const res = await this.send(url, signal, 'E_SIM_DOWNLOAD')
    if (res.statusCode !== 200) {
      await res.body.dump()
      throw new SimError('E_SIM_DOWNLOAD', `image download answered ${res.statusCode}`)
    }
    const declared = Number(res.headers['content-length'])
    if (Number.isFinite(declared) && declared > size) {
      res.body.destroy()
      throw new SimError('E_SIM_DOWNLOAD', `server announces ${declared} bytes, the update offer ${size}`)
    }
    const meter = new ByteLimit(
      size,
      () => new SimError('E_SIM_DOWNLOAD', `more than the announced ${size} bytes arrived; download aborted`),
    )
    try {
      await pipeline(res.body, meter, createWriteStream(out), { signal })
    } catch (err) {
      await rm(out, { force: true })
      if (err instanceof SimError) throw err
      throw new SimError('E_SIM_DOWNLOAD', `image download failed: ${errorMessage(err)}`)
    }
    return { bytes: meter.bytes, sha256: meter.digest() }
  }

  close(): Promise<void> {
    return this.agent.close()
  }

  private async send(url: URL, signal: AbortSignal, code: 'E_SIM_CHECK' | 'E_SIM_DOWNLOAD', method = 'GET', body?: string) {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)])
    try {
      return await request(url, {
        method: method as 'GET',
        dispatcher: this.agent,
        signal: deadline,
        headers: { 'user-agent': 'TS701-REF-1 update client', ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body }),
      })
    } catch (err) {
      const cause = (err as { code?: string }).code
      throw new SimError(code, `${url.origin}: ${cause ? `${cause} ` : ''}${errorMessage(err)}`)
    }
  }
}
