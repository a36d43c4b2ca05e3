/**
 * read-outcome over server-sent events: the stream is read event by event (optionally only
 * events of one name); each event's data is one message to extract the state from. How the
 * messages are read, and the stream reopened, is stream.ts.
 */
import type { OutcomeConfig } from './profile.ts'
import { excerpt } from '../kit/text.ts'
import type { Ctx } from './context.ts'
import { statusText, type HttpStream } from './request.ts'
import { isOk, refusal } from './states.ts'
import { OutcomeStream } from './stream.ts'

type SseConfig = Extract<OutcomeConfig, { mode: 'sse' }>

export interface SseEvent {
  event: string
  data: string
  id?: string
}

/** Splits a text/event-stream into events as chunks arrive (WHATWG HTML, server-sent events). */
export class SseParser {
  private buffer = ''
  private data: string[] = []
  private event = ''
  private id?: string

  push(text: string): SseEvent[] {
    this.buffer += text
    const events: SseEvent[] = []
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer)
      // A lone CR at the end may be the first half of CRLF.
      if (!m || (m[0] === '\r' && m.index === this.buffer.length - 1)) return events
      const line = this.buffer.slice(0, m.index)
      this.buffer = this.buffer.slice(m.index + m[0].length)
      if (line === '') {
        if (this.data.length > 0)
          events.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) })
        this.data = []
        this.event = ''
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'data') this.data.push(value)
      else if (field === 'event') this.event = value
      else if (field === 'id') this.id = value
    }
  }
}

/** Opens the event stream; what it brings is pushed to the returned stream as it comes. */
export function openSse(ctx: Ctx, cfg: SseConfig, connectMs: number): OutcomeStream {
  const controller = new AbortController()
  let http: HttpStream | undefined
  // Closing records the exchange at once, so the evidence is complete when read-outcome returns.
  const stream = new OutcomeStream(() => {
    controller.abort()
    http?.close()
  })
  const headers = { accept: 'text/event-stream', 'cache-control': 'no-cache', ...cfg.request.headers }
  const run = async () => {
    try {
      http = await ctx.client.stream({ op: 'read-outcome', template: { ...cfg.request, headers }, timeoutMs: connectMs }, controller.signal)
    } catch (err) {
      return stream.push({ kind: 'failed', error: err })
    }
    // Closed while the answer's head was on its way.
    if (controller.signal.aborted) return http.close()
    const refused = refusal(http.status, http.request)
    if (refused || !isOk(http.status)) {
      const problem = refused?.message ?? statusText(http.status)
      http.close(problem)
      return stream.push(refused ? { kind: 'failed', error: refused } : { kind: 'ended', problem })
    }
    stream.push({ kind: 'opened' })
    try {
      await events(ctx, cfg, http, stream)
      http.close()
      stream.push({ kind: 'ended', problem: 'the event stream ended' })
    } catch (err) {
      // Closed by ts701 on purpose: recorded already.
      if (controller.signal.aborted) return
      const problem = `the event stream broke off (${err instanceof Error ? err.message : String(err)})`
      http.close(problem)
      stream.push({ kind: 'ended', problem })
    }
  }
  // Whatever else goes wrong is the stream's failure, for read-outcome to report.
  run().catch((err: unknown) => stream.push({ kind: 'failed', error: err }))
  return stream
}

/** Pushes the events of the stream's name as messages, until the stream ends. */
async function events(ctx: Ctx, cfg: SseConfig, http: HttpStream, stream: OutcomeStream): Promise<void> {
  const parser = new SseParser()
  const decoder = new TextDecoder()
  for await (const chunk of http.chunks) {
    for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
      if (cfg.event !== undefined && event.event !== cfg.event) continue
      ctx.client.note('read-outcome', `SSE event "${event.event}" on ${http.request}: ${excerpt(event.data, 120, ctx.masker)}`, {
        event: event.event,
        ...(event.id !== undefined ? { id: event.id } : {}),
        dataBytes: Buffer.byteLength(event.data),
        data: excerpt(event.data, 500, ctx.masker),
      })
      stream.push({ kind: 'message', answer: { headers: http.headers, body: Buffer.from(event.data) } })
    }
  }
}
