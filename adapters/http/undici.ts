/** The strict transport: every request through undici, on the adapter's own Agent. */
import { readFileSync } from 'node:fs'
import { Agent, request } from 'undici'
import type { HttpAdapterConfig } from './profile.ts'
import {
  announcedLength,
  type BodyProgress,
  type OutgoingRequest,
  type RawReply,
  type Transport,
  type TransportTimeouts,
} from './transport.ts'

/** TLS options from `adapter.tls`, shared with the lenient client and the WebSocket. */
export interface TlsOptions {
  ca?: Buffer
  servername?: string
  rejectUnauthorized: boolean
}

export function tlsOptions(config: HttpAdapterConfig): TlsOptions {
  const tls = config.tls
  return {
    ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    ...(tls?.serverName ? { servername: tls.serverName } : {}),
    rejectUnauthorized: !tls?.insecureSkipVerify,
  }
}

export function createAgent(tls: TlsOptions, timeoutMs: number): Agent {
  // One request per connection (`Connection: close`): embedded servers often mishandle
  // keep-alive, and a device that rebooted leaves no stale socket behind.
  return new Agent({ connect: { ...tls }, pipelining: 0, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
}

export class UndiciTransport implements Transport {
  constructor(readonly agent: Agent) {}

  async send(req: OutgoingRequest, progress: BodyProgress, signal: AbortSignal, timeouts: TransportTimeouts): Promise<RawReply> {
    const headers = { ...req.headers }
    const length = announcedLength(req, progress)
    if (length !== undefined) headers['content-length'] = String(length)
    const res = await request(req.url, {
      dispatcher: this.agent,
      method: req.method as 'GET',
      headers,
      ...(req.body ? { body: progress.stream(req.body) } : {}),
      signal,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
    })
    const flat: Record<string, string> = {}
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
    }
    return {
      status: res.statusCode,
      statusText: '',
      headers: flat,
      body: res.body,
      notes: [],
      discard: () => {
        // An unread body that is destroyed reports an abort error, which nobody listens to any more.
        res.body.on('error', () => {})
        res.body.destroy()
      },
    }
  }

  close(): Promise<void> {
    return this.agent.destroy()
  }
}
