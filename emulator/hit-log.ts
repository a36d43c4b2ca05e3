import { WaitTimer } from '../core/duration.ts'
import type { TlsDetails } from './tls.ts'

export interface Hit {
  /** The evidence ID when an evidence log is attached (`E000042`), else a running number (`H000001`). */
  id: string
  /** When the request arrived, epoch ms. */
  time: number
  method: string
  /** As sent, percent-encoding kept, without the query. */
  path: string
  /** Credential-like parameter names masked. */
  query: Record<string, string>
  /** Credentials redacted. */
  headers: Record<string, string>
  remote: string
  /** On TLS: what was negotiated, and the connection's tag (the certificate it was accepted under, its generation). */
  tls?: TlsDetails
  /** The route that answered; absent when none matched (404) or the client left first. */
  route?: string
  /** 0 when no answer was sent (the client went away before its request was complete). */
  status: number
  /** Body bytes handed to the connection. */
  bytesSent: number
  /** false when the client went away before the answer was complete. */
  completed: boolean
  /** The companion file a `serve: image` route served (or was asked for), when not the image's main file. */
  part?: string
  /**
   * The request body as UTF-8 text, when it was at most 64 KiB and text-like; absent otherwise
   * (no body, too large, binary, or the request never completed). Kept as sent, credentials
   * included: it stays in memory; the evidence entry holds only its size, SHA-256 and a masked excerpt.
   */
  body?: string
  /** The body parsed, when it is JSON (a JSON `null` is present as `null`). */
  bodyJson?: unknown
}

export type HitPredicate = (h: Hit) => boolean

interface Waiter {
  predicate: HitPredicate
  since: number
  resolve: (h: Hit | undefined) => void
  reject: (e: unknown) => void
  timer: WaitTimer
}

/**
 * The requests seen, ordered by arrival, and those waiting for one. Callers only ever get copies,
 * so a predicate or a suite cannot change what was recorded.
 */
export class HitLog {
  private readonly log: Hit[] = []
  private readonly waiters = new Set<Waiter>()
  private closing = false

  get length(): number {
    return this.log.length
  }

  list(): Hit[] {
    return this.log.map(copyHit)
  }

  add(hit: Hit): void {
    // Answers can complete out of order; the timeline is by arrival.
    let at = this.log.length
    while (at > 0 && this.log[at - 1]!.time > hit.time) at--
    this.log.splice(at, 0, hit)
    for (const w of [...this.waiters]) {
      if (hit.time < w.since) continue
      let match: boolean
      try {
        match = w.predicate(copyHit(hit))
      } catch (e) {
        this.settle(w)
        w.reject(e)
        continue
      }
      if (!match) continue
      this.settle(w)
      w.resolve(copyHit(hit))
    }
  }

  /**
   * The first hit (logged ones included, from `since` on when given) that satisfies the
   * predicate; `undefined` after `timeoutMs`, or at once once the log is closing.
   */
  waitFor(predicate: HitPredicate, options: { timeoutMs: number; since?: number }): Promise<Hit | undefined> {
    const since = options.since ?? Number.NEGATIVE_INFINITY
    try {
      const found = this.log.find((h) => h.time >= since && predicate(copyHit(h)))
      if (found) return Promise.resolve(copyHit(found))
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.closing) return Promise.resolve(undefined)
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        since,
        resolve,
        reject,
        timer: new WaitTimer(options.timeoutMs, () => {
          this.waiters.delete(waiter)
          resolve(undefined)
        }),
      }
      this.waiters.add(waiter)
    })
  }

  /**
   * No new waits from now on. Those already waiting can still be answered by the hits of
   * connections that are being dropped, until `release()`.
   */
  close(): void {
    this.closing = true
  }

  /** Ends every wait with `undefined`. */
  release(): void {
    for (const w of this.waiters) {
      w.timer.clear()
      w.resolve(undefined)
    }
    this.waiters.clear()
  }

  private settle(w: Waiter): void {
    this.waiters.delete(w)
    w.timer.clear()
  }
}

function copyHit(h: Hit): Hit {
  return {
    ...h,
    query: { ...h.query },
    headers: { ...h.headers },
    ...(h.tls ? { tls: { ...h.tls } } : {}),
    ...('bodyJson' in h ? { bodyJson: structuredClone(h.bodyJson) } : {}),
  }
}
