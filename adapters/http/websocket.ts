/**
 * read-outcome over a WebSocket: undici's client on the base URL with a ws:// or wss:// scheme;
 * each text message is one answer to extract the state from. A closed socket is reopened until
 * the timeout.
 */
import { WebSocket } from 'undici'
import type { OutcomeConfig } from '../../profile/types.ts'
import { type UpdateOutcome } from '../../core/dut.ts'
import { authHeaders } from './auth.ts'
import { sleep, type Ctx } from './context.ts'
import { ExtractError } from './extract.ts'
import { ExchangeFailure } from './failure.ts'
import { excerpt } from './redact.ts'
import { Reach, readState, timeoutDetail } from './states.ts'

type WsConfig = Extract<OutcomeConfig, { mode: 'websocket' }>
type Last = { unmapped?: string; pending?: string; problem?: string }

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

export async function readWebSocket(ctx: Ctx, cfg: WsConfig): Promise<UpdateOutcome> {
  const deadline = Date.now() + cfg.timeoutMs
  const reach = new Reach()
  const last: Last = {}
  const url = webSocketUrl(ctx.profile.adapter.baseUrl, cfg.path)
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    const session = await listen(ctx, cfg, url, remaining, last)
    if (session.outcome) return session.outcome
    if (session.opened) reach.answered = true
    else if (session.failure) reach.failed(session.failure)
    last.problem = session.problem ?? last.problem
    await sleep(Math.min(250, deadline - Date.now()))
  }
  if (!reach.answered) throw reach.unreachable(ctx, cfg.timeoutMs)
  return { state: 'unknown', detail: timeoutDetail(cfg.timeoutMs, last, cfg.states) }
}

interface Session {
  opened: boolean
  outcome?: UpdateOutcome
  failure?: ExchangeFailure
  problem?: string
}

/** One connection: resolves with the final outcome, or when it closes, fails or the time is up. */
function listen(ctx: Ctx, cfg: WsConfig, url: URL, remainingMs: number, last: Last): Promise<Session> {
  ctx.client.allowed('read-outcome')
  const headers = authHeaders(ctx.profile.adapter.auth, ctx.env, ctx.redactor, 'read-outcome')
  const shown = ctx.redactor.url(url)
  const started = Date.now()
  let messages = 0
  return new Promise<Session>((resolve) => {
    const ws = new WebSocket(url, { dispatcher: ctx.agent, headers })
    let opened = false
    let settled = false
    const connectTimer = setTimeout(() => {
      if (!opened) done({ opened, failure: new ExchangeFailure('timeout', `no answer from ${ctx.client.origin} within ${ctx.client.timeoutFor('read-outcome')} ms`) })
    }, Math.min(ctx.client.timeoutFor('read-outcome'), remainingMs))
    const endTimer = setTimeout(() => done({ opened }), remainingMs)
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
        const reading = readState({ headers: {}, body: Buffer.from(data) }, cfg.extract, cfg.states)
        if (reading.final) return done({ opened, outcome: reading.final })
        if (reading.state === 'pending') {
          last.pending = reading.raw
          delete last.unmapped
        } else {
          last.unmapped = reading.raw
        }
      } catch (err) {
        if (err instanceof ExtractError) last.problem = err.message
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
