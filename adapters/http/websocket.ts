/**
 * read-outcome over a WebSocket: undici's client on the base URL with a ws:// or wss:// scheme;
 * each text message is one answer to extract the state from. A closed socket is reopened until
 * the timeout.
 */
import { WebSocket } from 'undici'
import type { OutcomeConfig } from './profile.ts'
import type { Deadline } from '../../core/duration.ts'
import type { UpdateOutcome } from '../../core/dut.ts'
import { ExtractError } from '../kit/extract.ts'
import { waitForOutcome, type OutcomeWatch } from '../kit/outcome.ts'
import { excerpt } from '../kit/text.ts'
import { authHeaders } from './auth.ts'
import type { Ctx } from './context.ts'
import { ExchangeFailure } from './failure.ts'
import { outcomeWait, readState, RETRY_MS } from './states.ts'

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

export function readWebSocket(ctx: Ctx, cfg: WsConfig): Promise<UpdateOutcome> {
  const url = webSocketUrl(ctx.profile.adapter.baseUrl, cfg.path)
  return waitForOutcome(outcomeWait(ctx, { ...cfg, intervalMs: RETRY_MS }), async (watch, wait) => {
    const session = await listen(ctx, cfg, url, wait, watch)
    if (session.outcome) return session.outcome
    if (session.failure) throw session.failure
    if (session.opened) watch.heard(session.problem)
    return undefined
  })
}

interface Session {
  opened: boolean
  outcome?: UpdateOutcome
  failure?: ExchangeFailure
  problem?: string
}

/** One connection: resolves with the final outcome, or when it closes, fails or the time is up. */
function listen(ctx: Ctx, cfg: WsConfig, url: URL, wait: Deadline, watch: OutcomeWatch): Promise<Session> {
  ctx.client.allowed('read-outcome')
  const headers = authHeaders(ctx.profile.adapter.auth, ctx.env, ctx.masker, 'read-outcome')
  const shown = ctx.masker.url(url)
  const started = Date.now()
  let messages = 0
  return new Promise<Session>((resolve) => {
    const ws = new WebSocket(url, { dispatcher: ctx.agent, headers })
    let opened = false
    let settled = false
    const connectTimer = setTimeout(() => {
      if (!opened) done({ opened, failure: new ExchangeFailure('timeout', `no answer from ${ctx.client.origin} within ${ctx.client.timeoutFor('read-outcome')} ms`) })
    }, wait.cap(ctx.client.timeoutFor('read-outcome')))
    const endTimer = setTimeout(() => done({ opened }), wait.remaining())
    const done = (s: Session) => {
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      clearTimeout(endTimer)
      try {
        ws.close()
      } catch {
        // Closing a socket that never opened may throw; nothing to do.
      }
      const how = s.outcome ? `final state ${s.outcome.state}` : s.failure ? s.failure.message : s.problem ?? (opened ? 'closed' : 'no connection')
      ctx.client.note('read-outcome', `WebSocket ${shown} → ${how} (${messages} messages in ${Date.now() - started} ms)`, { url: shown, opened, messages, ms: Date.now() - started })
      resolve(s)
    }
    ws.addEventListener('open', () => {
      opened = true
    })
    ws.addEventListener('message', (event) => {
      messages++
      const data = typeof event.data === 'string' ? event.data : Buffer.from(event.data as ArrayBuffer).toString('utf8')
      ctx.client.note('read-outcome', `WebSocket message on ${url.pathname}: ${excerpt(data, 120)}`, { url: shown, dataBytes: Buffer.byteLength(data), data: excerpt(data, 500) })
      try {
        const final = readState(watch, { headers: {}, body: Buffer.from(data) }, cfg.extract)
        if (final) done({ opened, outcome: final })
      } catch (err) {
        if (err instanceof ExtractError) watch.heard(err.message)
        else done({ opened, problem: err instanceof Error ? err.message : String(err) })
      }
    })
    ws.addEventListener('error', (event) => {
      const cause = (event as unknown as { error?: unknown }).error
      const text = cause instanceof Error ? cause.message : 'WebSocket error'
      if (!opened) done({ opened, failure: new ExchangeFailure('unreachable', `cannot open a WebSocket to ${shown} (${text})`) })
    })
    ws.addEventListener('close', (event) => {
      if (!opened) done({ opened, failure: new ExchangeFailure('unreachable', `cannot open a WebSocket to ${shown}${event.reason ? ` (${event.reason})` : ''}`) })
      else done({ opened, problem: `the WebSocket was closed by the device (code ${event.code})` })
    })
  })
}
