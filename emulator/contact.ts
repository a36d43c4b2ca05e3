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

/**
 * Those waiting for a sign of the device, each until its own timeout; `none` is what a timeout or
 * the emulator closing gives them.
 */
class Waiting<T> {
  private readonly waiters = new Set<{ resolve: (value: T) => void; timer: WaitTimer }>()
  private closed = false

  constructor(private readonly none: T) {}

  wait(timeoutMs: number): Promise<T> {
    if (this.closed) return Promise.resolve(this.none)
    return new Promise((resolve) => {
      const waiter = {
        resolve,
        timer: new WaitTimer(timeoutMs, () => {
          this.waiters.delete(waiter)
          resolve(this.none)
        }),
      }
      this.waiters.add(waiter)
    })
  }

  /** Answers everyone waiting now, each with a value of its own. */
  wake(value: () => T): void {
    const waiting = [...this.waiters]
    this.waiters.clear()
    for (const w of waiting) w.timer.clear()
    // Not from within the event that saw it: Node 20 crashes when a TLS socket is destroyed in the
    // tick of its 'secureConnection', which a caller closing the emulator at once would do.
    setImmediate(() => waiting.forEach((w) => w.resolve(value())))
  }

  close(): void {
    this.closed = true
    for (const w of this.waiters) {
      w.timer.clear()
      w.resolve(this.none)
    }
    this.waiters.clear()
  }
}

/** Remembers the first contact and answers those waiting for it. */
export class FirstContact {
  private first: Contact | undefined
  private readonly waiting = new Waiting<Contact | undefined>(undefined)

  get contact(): Contact | undefined {
    return this.first && copy(this.first)
  }

  seen(contact: Contact): void {
    if (this.first) return
    this.first = contact
    this.waiting.wake(() => copy(contact))
  }

  /** The first contact, at once when it already happened; `undefined` after `timeoutMs` or on close. */
  wait(timeoutMs: number): Promise<Contact | undefined> {
    if (this.first) return Promise.resolve(copy(this.first))
    return this.waiting.wait(timeoutMs)
  }

  /** Ends every wait with `undefined`. */
  close(): void {
    this.waiting.close()
  }
}

/**
 * Wakes those waiting for the device's next move on the port, whatever it is (a request recorded,
 * a handshake completed or refused, a protocol error, an idle connection closed). Nothing is
 * remembered: a watch that reads the logs after each wake looks again at once, not a step later.
 */
export class NextContact {
  private readonly waiting = new Waiting(false)

  seen(): void {
    this.waiting.wake(() => true)
  }

  /** True at the next contact; false after `timeoutMs` or once closed. */
  wait(timeoutMs: number): Promise<boolean> {
    return this.waiting.wait(timeoutMs)
  }

  /** Ends every wait with false. */
  close(): void {
    this.waiting.close()
  }
}

function copy(c: Contact): Contact {
  return structuredClone(c)
}
