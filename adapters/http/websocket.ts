/**
 * read-outcome over a WebSocket: undici's client on the base URL with a ws:// or wss:// scheme;
 * each text message is one message to extract the state from. How the messages are read, and the
 * socket reopened, is stream.ts.
 */
import { WebSocket } from 'undici'
import type { OutcomeConfig } from './profile.ts'
import { WaitTimer } from '../../core/duration.ts'
import { excerpt } from '../kit/text.ts'
import { authHeaders } from './auth.ts'
import type { Ctx } from './context.ts'
import { ExchangeFailure } from './failure.ts'
import { OutcomeStream, type StreamItem } from './stream.ts'

type WsConfig = Extract<OutcomeConfig, { mode: 'websocket' }>

export function webSocketUrl(baseUrl: string, path: string): URL {
  const url = new URL(baseUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const q = path.indexOf('?')
  url.pathname = url.pathname.replace(/\/+$/, '') + (q < 0 ? path : path.slice(0, q))
  url.search = q < 0 ? '' : path.slice(q)
  url.username = ''
  url.password = ''
  return url
}

/** Opens the socket; what it brings is pushed to the returned stream as it comes. */
export function openWebSocket(ctx: Ctx, cfg: WsConfig, connectMs: number): OutcomeStream {
  const url = webSocketUrl(ctx.profile.adapter.baseUrl, cfg.path)
  const shown = ctx.masker.url(url)
  const started = Date.now()
  let ws: WebSocket | undefined
  let opened = false
  let done = false
  let messages = 0
  /** Once: ends the socket, records how the session went, and hands on its last item. */
  const finish = (how: string, item?: StreamItem) => {
    if (done) return
    done = true
    connectTimer.clear()
    try {
      ws?.close()
    } catch {
      // Closing a socket that never opened may throw; nothing to do.
    }
    const ms = Date.now() - started
    ctx.client.note('read-outcome', `WebSocket ${shown} → ${how} (${messages} messages in ${ms} ms)`, { url: shown, opened, messages, ms })
    if (item) stream.push(item)
  }
  const fail = (failure: ExchangeFailure) => finish(failure.message, { kind: 'failed', error: failure })
  const stream = new OutcomeStream((how) => finish(how ?? 'closed'))
  const connectTimer = new WaitTimer(connectMs, () => {
    if (!opened) fail(new ExchangeFailure('timeout', `no answer from ${ctx.client.origin} within ${connectMs} ms`))
  })
  try {
    ctx.client.allowed('read-outcome')
    ws = new WebSocket(url, { dispatcher: ctx.agent, headers: authHeaders(ctx.profile.adapter.auth, ctx.env, ctx.masker, 'read-outcome') })
  } catch (err) {
    finish(err instanceof Error ? err.message : String(err), { kind: 'failed', error: err })
    return stream
  }
  ws.addEventListener('open', () => {
    opened = true
    connectTimer.clear()
    stream.push({ kind: 'opened' })
  })
  ws.addEventListener('message', (event) => {
    if (done) return
    messages++
    const data = typeof event.data === 'string' ? event.data : Buffer.from(event.data as ArrayBuffer).toString('utf8')
    ctx.client.note('read-outcome', `WebSocket message on ${url.pathname}: ${excerpt(data, 120, ctx.masker)}`, {
      url: shown,
      dataBytes: Buffer.byteLength(data),
      data: excerpt(data, 500, ctx.masker),
    })
    stream.push({ kind: 'message', answer: { headers: {}, body: Buffer.from(data) } })
  })
  ws.addEventListener('error', (event) => {
    const cause = (event as unknown as { error?: unknown }).error
    const text = cause instanceof Error ? cause.message : 'WebSocket error'
    if (!opened) fail(new ExchangeFailure('unreachable', `cannot open a WebSocket to ${shown} (${text})`))
  })
  ws.addEventListener('close', (event) => {
    if (!opened) fail(new ExchangeFailure('unreachable', `cannot open a WebSocket to ${shown}${event.reason ? ` (${event.reason})` : ''}`))
    else {
      const problem = `the WebSocket was closed by the device (code ${event.code})`
      finish(problem, { kind: 'ended', problem })
    }
  })
  return stream
}
