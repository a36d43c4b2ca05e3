/**
 * An outcome stream (server-sent events, a WebSocket) as read-outcome reads it. What the device
 * sends is queued as it comes, so a stream opened when a delivery starts (subscribe in
 * outcome.ts) keeps the verdict of a device that decides before read-outcome is asked: a real
 * agent says it 170 ms after answering the upload, and says it once. read-outcome reads the queue
 * from the delivery on, and opens the stream again whenever it ends, until the timeout.
 */
import type { OutcomeStates } from '../../profile/types.ts'
import type { Deadline } from '../../core/duration.ts'
import type { UpdateOutcome } from '../../core/dut.ts'
import { ExtractError, type Answer } from '../kit/extract.ts'
import { waitForOutcome } from '../kit/outcome.ts'
import type { Ctx } from './context.ts'
import { outcomeWait, readState, RETRY_MS, type StateExtract } from './states.ts'

export type StreamItem =
  /** The device accepted the subscription. */
  | { kind: 'opened' }
  | { kind: 'message'; answer: Answer }
  /** The device answered, then the stream ended (a status that is not 2xx, a closed stream). */
  | { kind: 'ended'; problem: string }
  /** No stream came about: the error says why (a miss of kit/miss.ts, or one that ends the wait). */
  | { kind: 'failed'; error: unknown }

/** A device chattering through a long upload must not grow the queue without end. */
const QUEUE_CAP = 1000

export class OutcomeStream {
  private readonly items: StreamItem[] = []
  private wake?: () => void
  private settled = false
  private onSettled?: () => void
  private closed = false
  /** The device accepted the subscription (whether or not read-outcome has read that yet). */
  opened = false

  /** `stop` ends the connection when ts701 is done with it; `how` says why, for the evidence. */
  constructor(private readonly stop: (how?: string) => void) {}

  /** Called by the connection as things happen; nothing is kept once the stream is closed. */
  push(item: StreamItem): void {
    if (this.closed) return
    if (item.kind === 'opened') this.opened = true
    this.items.push(item)
    const oldest = this.items.length > QUEUE_CAP ? this.items.findIndex((i) => i.kind === 'message') : -1
    if (oldest >= 0) this.items.splice(oldest, 1)
    if (!this.settled) {
      this.settled = true
      this.onSettled?.()
    }
    this.wake?.()
  }

  /** Resolves once the stream opened, ended, failed or was closed. */
  whenSettled(): Promise<void> {
    if (this.settled || this.closed) return Promise.resolve()
    return new Promise((resolve) => (this.onSettled = resolve))
  }

  /** Sets aside the messages queued so far (they came before the delivery); returns how many. */
  discardMessages(): number {
    const before = this.items.length
    this.items.splice(0, before, ...this.items.filter((i) => i.kind !== 'message'))
    return before - this.items.length
  }

  /** The next item, or undefined when the deadline passes first. */
  async next(wait: Deadline): Promise<StreamItem | undefined> {
    for (;;) {
      const item = this.items.shift()
      if (item) return item
      if (wait.expired || this.closed) return undefined
      const arrival = new Promise<void>((resolve) => (this.wake = resolve))
      await wait.race(arrival, () => undefined)
      this.wake = undefined
    }
  }

  close(how?: string): void {
    if (this.closed) return
    this.closed = true
    this.items.length = 0
    this.wake?.()
    this.onSettled?.()
    this.stop(how)
  }
}

export interface StreamConfig {
  extract: StateExtract
  states: OutcomeStates
  timeoutMs: number
}

/** Opens a stream whose connection must stand within `connectMs`. */
export type OpenStream = (connectMs: number) => OutcomeStream

/** read-outcome on a stream: the one subscribed at the delivery first, then fresh ones. */
export async function readStream(ctx: Ctx, cfg: StreamConfig, open: OpenStream): Promise<UpdateOutcome> {
  let subscribed = ctx.subscribed
  ctx.subscribed = undefined
  try {
    return await waitForOutcome(outcomeWait(ctx, { ...cfg, intervalMs: RETRY_MS }), async (watch, wait) => {
      const stream = subscribed ?? open(wait.cap(ctx.client.timeoutFor('read-outcome')))
      subscribed = undefined
      let how = 'the wait ended'
      try {
        for (;;) {
          const item = await stream.next(wait)
          if (!item) return undefined
          if (item.kind === 'failed') throw item.error
          if (item.kind === 'ended') {
            how = item.problem
            watch.heard(item.problem)
            return undefined
          }
          if (item.kind === 'opened') {
            watch.heard()
            continue
          }
          try {
            const final = readState(watch, item.answer, cfg.extract)
            if (final) {
              how = `final state ${final.state}`
              return final
            }
          } catch (err) {
            if (!(err instanceof ExtractError)) throw err
            watch.heard(err.message)
          }
        }
      } finally {
        stream.close(how)
      }
    })
  } finally {
    subscribed?.close('read-outcome ended before reading it')
  }
}
