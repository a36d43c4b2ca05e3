import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { pipeline } from 'node:stream/promises'
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
 * HTTP(S) for the update client, on Node's own client as a device's agent has its own, not the
 * harness's (undici): the two sides of a run share no HTTP code, and the simulated device (in the
 * CLI's process) does not load undici. Certificate and host name validation are Node's
 * (tls.connect with the pinned CA as `ca`); the flaw turns both off in one place. Connections are
 * kept between requests, as a device's client keeps its connection to the server between polls.
 */
export class UpdateTransport {
  private readonly http = new HttpAgent({ keepAlive: true })
  private readonly https: HttpsAgent

  constructor(private readonly options: TransportOptions) {
    this.https = new HttpsAgent({
      keepAlive: true,
      ...(options.trustAnyTls
        ? { rejectUnauthorized: false }
        : { ...(options.caPem ? { ca: options.caPem } : {}), rejectUnauthorized: true }),
    })
  }

  async getJson(url: URL, signal: AbortSignal, maxBytes = 64 * 1024): Promise<unknown> {
    assertLoopback(url, 'update server')
    const res = await this.send(url, signal, 'E_SIM_CHECK')
    if (res.statusCode !== 200) {
      res.resume()
      throw new SimError('E_SIM_CHECK', `update server answered ${res.statusCode}`)
    }
    const text = await readText(res, maxBytes, `check answer larger than ${maxBytes} bytes`)
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
    const text = await readText(res, maxBytes, `answer larger than ${maxBytes} bytes`)
    return { status: res.statusCode ?? 0, text }
  }

  /**
   * Streams `url` into `out`, never keeping more than the announced `size`: one byte more and the
   * transfer is cut (the endless-data attack), a stall past the timeout likewise.
   */
  async download(url: URL, size: number, out: string, signal: AbortSignal): Promise<Download> {
    assertLoopback(url, 'image URL')
    const res = await this.send(url, signal, 'E_SIM_DOWNLOAD')
    if (res.statusCode !== 200) {
      res.resume()
      throw new SimError('E_SIM_DOWNLOAD', `image download answered ${res.statusCode}`)
    }
    const declared = Number(res.headers['content-length'])
    if (Number.isFinite(declared) && declared > size) {
      res.destroy()
      throw new SimError('E_SIM_DOWNLOAD', `server announces ${declared} bytes, the update offer ${size}`)
    }
    const meter = new ByteLimit(
      size,
      () => new SimError('E_SIM_DOWNLOAD', `more than the announced ${size} bytes arrived; download aborted`),
    )
    try {
      await pipeline(res, meter, createWriteStream(out), { signal })
    } catch (err) {
      await rm(out, { force: true })
      if (err instanceof SimError) throw err
      throw new SimError('E_SIM_DOWNLOAD', `image download failed: ${errorMessage(err)}`)
    }
    return { bytes: meter.bytes, sha256: meter.digest() }
  }

  async close(): Promise<void> {
    this.http.destroy()
    this.https.destroy()
  }

  /**
   * The request's answer once its head has arrived. The timeout bounds the whole exchange, the
   * body included: a server that stalls mid-body is cut like one that never answers.
   */
  private send(
    url: URL,
    signal: AbortSignal,
    code: 'E_SIM_CHECK' | 'E_SIM_DOWNLOAD',
    method = 'GET',
    body?: string,
  ): Promise<IncomingMessage> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)])
    const secure = url.protocol === 'https:'
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(url, {
        method,
        agent: secure ? this.https : this.http,
        signal: deadline,
        headers: { 'user-agent': 'TS701-REF-1 update client', ...(body !== undefined && { 'content-type': 'application/json' }) },
      })
      req.once('response', resolve)
      req.on('error', (err) => {
        const cause = (err as { code?: string }).code
        reject(new SimError(code, `${url.origin}: ${cause ? `${cause} ` : ''}${errorMessage(err)}`))
      })
      req.end(body)
    })
  }
}

/** The body as text, cut (and the exchange failed) past `maxBytes`. */
async function readText(res: IncomingMessage, maxBytes: number, tooLarge: string): Promise<string> {
  let text = ''
  for await (const chunk of res) {
    text += (chunk as Buffer).toString('utf8')
    if (text.length > maxBytes) {
      res.destroy()
      throw new SimError('E_SIM_CHECK', tooLarge)
    }
  }
  return text
}
