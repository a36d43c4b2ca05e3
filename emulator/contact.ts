import { WaitTimer } from '../core/duration.ts'
import type { Hit } from './hit-log.ts'
import type { ClientError, HandshakeFailure } from './recorder.ts'

/**
 * The first sign of the device on the emulator's port: a request (answered or not), a TLS
 * handshake (completed, or refused: a device that distrusts the certificate has still shown up),
 * or a connection that sent something other than HTTP (a TLS client on a plain listener, say).
 */
export type Contact =
  | { kind: 'request'; time: number; hit: Hit }
  | { kind: 'handshake'; time: number; remote?: string; servername?: string; failure?: HandshakeFailure }
  | { kind: 'client-error'; time: number; error: ClientError }

interface Waiter {
  resolve: (c: Contact | undefined) => void
  timer: WaitTimer
}

/** Remembers the first contact and answers those waiting for it. */
export class FirstContact {
  private first: Contact | undefined
  private readonly waiters = new Set<Waiter>()
  private closed = false

  get contact(): Contact | undefined {
    return this.first && copy(this.first)
  }

  seen(contact: Contact): void {
    if (this.first) return
    this.first = contact
    const waiting = [...this.waiters]
    this.waiters.clear()
    for (const w of waiting) w.timer.clear()
    // Not from within the event that saw it: Node 20 crashes when a TLS socket is destroyed in the
    // tick of its 'secureConnection', which a caller closing the emulator at once would do.
    setImmediate(() => waiting.forEach((w) => w.resolve(copy(contact))))
  }

  /** The first contact, at once when it already happened; `undefined` after `timeoutMs` or on close. */
  wait(timeoutMs: number): Promise<Contact | undefined> {
    if (this.first) return Promise.resolve(copy(this.first))
    if (this.closed) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: new WaitTimer(timeoutMs, () => {
          this.waiters.delete(waiter)
          resolve(undefined)
        }),
      }
      this.waiters.add(waiter)
    })
  }

  /** Ends every wait with `undefined`. */
  close(): void {
    this.closed = true
    for (const w of this.waiters) {
      w.timer.clear()
      w.resolve(undefined)
    }
    this.waiters.clear()
  }
}

/**
 * Wakes those waiting for the device's next move on the port, whatever it is (a request recorded,
 * a handshake completed or refused, a protocol error, an idle connection closed). Nothing is
 * remembered: a watch that reads the logs after each wake looks again at once, not a step later.
 */
export class NextContact {
  private readonly waiters = new Set<{ resolve: (seen: boolean) => void; timer: WaitTimer }>()
  private closed = false

  seen(): void {
    const waiting = [...this.waiters]
    this.waiters.clear()
    for (const w of waiting) w.timer.clear()
    // Not from within the event that saw it, as with the first contact.
    setImmediate(() => waiting.forEach((w) => w.resolve(true)))
  }

  /** True at the next contact; false after `timeoutMs` or once closed. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      const waiter = {
        resolve,
        timer: new WaitTimer(timeoutMs, () => {
          this.waiters.delete(waiter)
          resolve(false)
        }),
      }
      this.waiters.add(waiter)
    })
  }

  /** Ends every wait with false. */
  close(): void {
    this.closed = true
    for (const w of this.waiters) {
      w.timer.clear()
      w.resolve(false)
    }
    this.waiters.clear()
  }
}

function copy(c: Contact): Contact {
  return structuredClone(c)
}
