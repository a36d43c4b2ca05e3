/**
 * What a passive source heard, kept in arrival order, and the readers waiting for more: the MQTT
 * subscriber and the console tap hold one each. A source keeps no history of its own (a broker
 * forgets, a console scrolls away), so what came before the source listened is never seen.
 */
import { WaitTimer } from '../../core/duration.ts'
import type { Feed, FeedItem } from './feed.ts'

interface Waiter<T> {
  accepts: (entry: T) => boolean
  test: (item: FeedItem) => boolean
  since: number
  done: (item: FeedItem | undefined) => void
}

export class Backlog<T extends { time: number }> {
  private readonly entries: T[] = []
  private readonly waiters = new Set<Waiter<T>>()

  /**
   * @param keep entries kept; the oldest go first beyond it
   * @param itemOf how an entry reads as a report (called only for entries a reader looks at)
   */
  constructor(
    private readonly keep: number,
    private readonly itemOf: (entry: T) => FeedItem,
  ) {}

  push(entry: T): void {
    this.entries.push(entry)
    if (this.entries.length > this.keep) this.entries.shift()
    for (const w of [...this.waiters]) {
      if (entry.time < w.since || !w.accepts(entry)) continue
      const item = this.itemOf(entry)
      if (w.test(item)) w.done(item)
    }
  }

  /** The entries `accepts` takes, as a feed: what came since, and what is still to come. */
  feed(source: string, accepts: (entry: T) => boolean): Feed {
    const mine = (since: number) => this.entries.filter((e) => e.time >= since && accepts(e)).map(this.itemOf)
    return {
      source,
      items: mine,
      next: (test, since, timeoutMs) => {
        const found = mine(since).find(test)
        if (found) return Promise.resolve(found)
        return new Promise((resolve) => {
          const waiter: Waiter<T> = { accepts, test, since, done: resolve }
          const timer = new WaitTimer(timeoutMs, () => finish(undefined))
          const finish = (item: FeedItem | undefined) => {
            timer.clear()
            this.waiters.delete(waiter)
            resolve(item)
          }
          waiter.done = finish
          this.waiters.add(waiter)
        })
      },
    }
  }

  /** Every waiting reader gets "nothing came". */
  close(): void {
    for (const w of [...this.waiters]) w.done(undefined)
  }
}
