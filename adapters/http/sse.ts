/**
 * read-outcome over server-sent events: the stream is read event by event (optionally only
 * events of one name); each event's data is one answer to extract the state from. A dropped
 * stream is reopened until the timeout.
 */
import type { OutcomeConfig } from '../../profile/types.ts'
import { DutError, type UpdateOutcome } from '../../core/dut.ts'
import { sleep, type Ctx } from './context.ts'
import { ExtractError } from './extract.ts'
import { excerpt } from './redact.ts'
import { statusText, type HttpStream } from './request.ts'
import { Reach, readState, timeoutDetail } from './states.ts'

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

export async function readSse(ctx: Ctx, cfg: Extract<OutcomeConfig, { mode: 'sse' }>): Promise<UpdateOutcome> {
  const deadline = Date.now() + cfg.timeoutMs
  const reach = new Reach()
  const last: { unmapped?: string; pending?: string; problem?: string } = {}
  const headers = { accept: 'text/event-stream', 'cache-control': 'no-cache', ...cfg.request.headers }
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    const signal = AbortSignal.timeout(remaining)
    let stream: HttpStream | undefined
    try {
      stream = await ctx.client.stream({ op: 'read-outcome', template: { ...cfg.request, headers }, timeoutMs: Math.min(ctx.client.timeoutFor('read-outcome'), remaining) }, signal)
      reach.answered = true
      if (stream.status === 401 || stream.status === 403) {
        throw new DutError('E_DUT_REFUSED', 'read-outcome', `the device refused ${stream.request} (${statusText(stream.status)}); check adapter.auth and the credentials`)
      }
      if (stream.status < 200 || stream.status >= 300) {
        last.problem = statusText(stream.status)
        stream.close(last.problem)
      } else {
        const outcome = await events(ctx, cfg, stream, last)
        if (outcome) return outcome
      }
    } catch (err) {
      // The wait running out ends the stream on purpose; anything else is worth recording.
      stream?.close(signal.aborted ? undefined : err instanceof Error ? err.message : String(err))
      if (err instanceof DutError) throw err
      if (signal.aborted) break
      reach.failed(err)
      last.problem = reach.problem
    }
    await sleep(Math.min(250, deadline - Date.now()))
  }
  if (!reach.answered) throw reach.unreachable(ctx, cfg.timeoutMs)
  return { state: 'unknown', detail: timeoutDetail(cfg.timeoutMs, last, cfg.states) }
}

/** Reads events until a final state (returned) or the end of the stream (undefined). */
async function events(
  ctx: Ctx,
  cfg: Extract<OutcomeConfig, { mode: 'sse' }>,
  stream: HttpStream,
  last: { unmapped?: string; pending?: string; problem?: string },
): Promise<UpdateOutcome | undefined> {
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
        const reading = readState({ headers: stream.headers, body: Buffer.from(event.data) }, cfg.extract, cfg.states)
        if (reading.final) {
          stream.close()
          return reading.final
        }
        if (reading.state === 'pending') {
          last.pending = reading.raw
          delete last.unmapped
        } else {
          last.unmapped = reading.raw
        }
      } catch (err) {
        if (!(err instanceof ExtractError)) throw err
        last.problem = err.message
      }
    }
  }
  stream.close()
  last.problem ??= 'the event stream ended'
  return undefined
}
