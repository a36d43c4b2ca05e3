/**
 * read-outcome over server-sent events: the stream is read event by event (optionally only
 * events of one name); each event's data is one answer to extract the state from. A dropped
 * stream is reopened until the timeout.
 */
import type { OutcomeConfig } from './profile.ts'
import { DutError, type UpdateOutcome } from '../../core/dut.ts'
import { ExtractError } from '../kit/extract.ts'
import { waitForOutcome, type OutcomeWatch } from '../kit/outcome.ts'
import { excerpt } from '../kit/text.ts'
import type { Ctx } from './context.ts'
import { statusText, type HttpStream } from './request.ts'
import { isOk, outcomeWait, readState, refusal, RETRY_MS } from './states.ts'

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
        if (this.data.length > 0) events.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) })
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

export function readSse(ctx: Ctx, cfg: SseConfig): Promise<UpdateOutcome> {
  const headers = { accept: 'text/event-stream', 'cache-control': 'no-cache', ...cfg.request.headers }
  return waitForOutcome(outcomeWait(ctx, { ...cfg, intervalMs: RETRY_MS }), async (watch, wait) => {
    const signal = AbortSignal.timeout(wait.remaining())
    let stream: HttpStream | undefined
    try {
      stream = await ctx.client.stream({ op: 'read-outcome', template: { ...cfg.request, headers }, timeoutMs: wait.cap(ctx.client.timeoutFor('read-outcome')) }, signal)
      const refused = refusal(stream.status, stream.request)
      if (refused) throw refused
      if (!isOk(stream.status)) {
        const problem = statusText(stream.status)
        stream.close(problem)
        watch.heard(problem)
        return undefined
      }
      watch.heard()
      return await events(ctx, cfg, stream, watch)
    } catch (err) {
      // The wait running out ends the stream on purpose; anything else is worth recording.
      stream?.close(signal.aborted ? undefined : err instanceof Error ? err.message : String(err))
      if (signal.aborted && !(err instanceof DutError)) return undefined
      throw err
    }
  })
}

/** Reads events until a final state (returned) or the end of the stream (undefined). */
async function events(ctx: Ctx, cfg: SseConfig, stream: HttpStream, watch: OutcomeWatch): Promise<UpdateOutcome | undefined> {
  const parser = new SseParser()
  const decoder = new TextDecoder()
  for await (const chunk of stream.chunks) {
    for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
      if (cfg.event !== undefined && event.event !== cfg.event) continue
      ctx.client.note('read-outcome', `SSE event "${event.event}" on ${stream.request}: ${excerpt(event.data, 120)}`, {
        event: event.event,
        ...(event.id !== undefined ? { id: event.id } : {}),
        dataBytes: Buffer.byteLength(event.data),
        data: excerpt(event.data, 500),
      })
      try {
        const final = readState(watch, { headers: stream.headers, body: Buffer.from(event.data) }, cfg.extract)
        if (final) {
          stream.close()
          return final
        }
      } catch (err) {
        if (!(err instanceof ExtractError)) throw err
        watch.heard(err.message)
      }
    }
  }
  stream.close()
  watch.heard('the event stream ended')
  return undefined
}
