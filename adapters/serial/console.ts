/**
 * The console: one connection to the port, opened lazily and reopened after it went away, and
 * the line discipline on top of it. Everything received is cleaned into lines (see clean.ts) and
 * recorded as it completes; an exchange looks at the lines received since it flushed the console
 * (what came before its command — boot chatter, log lines — stays in evidence only).
 */
import { StringDecoder } from 'node:string_decoder'
import type { SerialAdapterConfig, SerialDutProfile } from './profile.ts'
import { sleep, WaitTimer, type Deadline } from '../../core/duration.ts'
import { DutError, type ConsoleLine, type Operation } from '../../core/dut.ts'
import { LineCleaner, type CleanLine } from './clean.ts'
import { describeAddress, LinkClosed, OpenFailure, openLink, refusal, type Link, type PortAddress } from './port.ts'
import type { Transcript } from './transcript.ts'

/** Lines kept per window; a device that floods the console loses its oldest lines (still in evidence). */
const MAX_WINDOW_LINES = 20_000
/**
 * How often waits look again without new data (for quiet periods): a wait for a quiet period ends
 * up to this late, and every exchange ends on one (the settle), so it is kept short.
 */
const TICK_MS = 10
/** Pause before the one retry of an open that failed. */
const REOPEN_DELAY_MS = 250
/** A port that does not close within this after a stalled write is left to close on its own. */
const DISCARD_CLOSE_MS = 2000

export interface Waiter {
  op: Operation
  check: () => boolean
  fail: (err: unknown) => void
}

export interface ConsoleOptions {
  profile: SerialDutProfile
  address: PortAddress
  transcript: Transcript
  env: NodeJS.ProcessEnv
}

export class Console {
  readonly profile: SerialDutProfile
  readonly cfg: SerialAdapterConfig
  /** The port as named in messages. */
  readonly label: string
  readonly transcript: Transcript
  readonly env: NodeJS.ProcessEnv
  /** The operation running now, for the evidence of lines that arrive. */
  op: Operation | undefined
  /** Set when the port was (re)opened and no command went out since; login uses it to wake the console. */
  fresh = false
  /**
   * A write was cut off when the port was closed under it: the device may hold the start of a
   * line whose end never came, and would read the next command as its continuation.
   */
  cutOff = false
  /** When the last byte came. */
  lastDataAt = 0
  /**
   * The device has echoed a command before. From then on a prompt before the echo is not the end
   * of the answer: under load the echo can come after a line the device printed on its own and the
   * fresh prompt below it, which would otherwise pass for an empty answer.
   */
  echoes = false

  private readonly address: PortAddress
  private readonly refused?: string
  private link?: Link
  /** Counts open attempts; events of an earlier connection are ignored. */
  private generation = 0
  private opening?: Promise<void>
  private closing = false
  private decoder = new StringDecoder('utf8')
  private cleaner: LineCleaner
  private window: CleanLine[] = []
  private dropped = 0
  private readonly waiters = new Set<Waiter>()
  private sink?: (line: CleanLine) => void
  private readonly taps = new Set<(line: ConsoleLine) => void>()

  constructor(o: ConsoleOptions) {
    this.profile = o.profile
    this.cfg = o.profile.adapter
    this.address = o.address
    this.label = describeAddress(o.address)
    this.transcript = o.transcript
    this.env = o.env
    this.refused = refusal(o.address)
    this.cleaner = new LineCleaner((line) => this.onLine(line))
  }

  timeoutFor(op: Operation): number {
    const t = this.cfg.timeouts
    return t.operations[op] ?? t.defaultMs
  }

  get isOpen(): boolean {
    return this.link?.isOpen === true
  }

  /** Opens the port unless it is open; one retry after a short pause when opening fails. */
  async connect(op: Operation, deadline: Deadline): Promise<void> {
    if (this.closing) throw new DutError('E_DUT_UNREACHABLE', op, `the serial adapter for ${this.label} was closed`)
    if (this.refused) throw new DutError('E_DUT_REFUSED', op, this.refused)
    if (this.link?.isOpen) return
    if (!this.opening) {
      this.opening = this.open(op, deadline).finally(() => {
        this.opening = undefined
      })
    }
    await this.opening
  }

  private async open(op: Operation, deadline: Deadline): Promise<void> {
    let problem = ''
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) {
        if (deadline.remaining() <= REOPEN_DELAY_MS) break
        await sleep(REOPEN_DELAY_MS)
      }
      if (deadline.expired) break
      try {
        // A new connection starts clean: no half-decoded character, no half-read escape sequence.
        this.decoder = new StringDecoder('utf8')
        this.cleaner = new LineCleaner((line) => this.onLine(line))
        const generation = ++this.generation
        const link = await openLink(
          this.address,
          this.cfg,
          {
            data: (chunk) => this.onData(generation, chunk),
            closed: (reason) => this.onClosed(generation, reason),
          },
          deadline.remaining(),
        )
        if (this.closing) {
          await link.close()
          throw new DutError('E_DUT_UNREACHABLE', op, `the serial adapter for ${this.label} was closed`)
        }
        this.link = link
        this.fresh = true
        this.lastDataAt = Date.now()
        const framing =
          this.address.kind === 'device'
            ? ` at ${this.cfg.baudRate} baud, ${this.cfg.dataBits}${this.cfg.parity[0]!.toUpperCase()}${this.cfg.stopBits}`
            : ' (raw TCP; baud rate and framing are set where the port is exported)'
        this.transcript.note(op, `opened the serial port ${this.label}${framing}${attempt > 0 ? ' (second attempt)' : ''}`, {
          event: 'open',
          baudRate: this.cfg.baudRate,
          dataBits: this.cfg.dataBits,
          parity: this.cfg.parity,
          stopBits: this.cfg.stopBits,
          ...(attempt > 0 ? { firstAttempt: problem } : {}),
        })
        return
      } catch (err) {
        if (!(err instanceof OpenFailure)) throw err
        problem = err.message
      }
    }
    const message = `cannot open the serial port ${this.label} (${problem || `no time left within the operation's timeout`})`
    this.transcript.note(op, message, { event: 'open-failed' })
    throw new DutError('E_DUT_UNREACHABLE', op, message)
  }

  private onData(generation: number, chunk: Buffer): void {
    if (generation !== this.generation) return
    this.lastDataAt = Date.now()
    this.cleaner.feed(this.decoder.write(chunk))
    this.poke()
  }

  private onLine(line: CleanLine): void {
    const time = Date.now()
    if (this.sink) {
      this.sink(line)
      // A transfer summarises what it heard; a line a listener keeps is recorded on its own.
      let id: string | undefined
      const op = this.op
      this.tell({ text: line.text, time, evidence: () => (id ??= this.transcript.received(op, line)) })
      return
    }
    const id = this.transcript.received(this.op, line)
    this.tell({ text: line.text, time, evidence: () => id })
    this.window.push(line)
    if (this.window.length > MAX_WINDOW_LINES) {
      const excess = this.window.length - MAX_WINDOW_LINES
      this.window.splice(0, excess)
      this.dropped += excess
    }
  }

  /**
   * Every complete line from now on goes to `listener` too, whatever window or transfer is
   * running; returns the function that ends it.
   */
  tap(listener: (line: ConsoleLine) => void): () => void {
    this.taps.add(listener)
    return () => this.taps.delete(listener)
  }

  private tell(line: ConsoleLine): void {
    if (this.taps.size === 0) return
    // Observers quote and cut the line; a secret in it is masked before that, whole.
    const masked = { ...line, text: this.transcript.masker.text(line.text) }
    for (const listener of [...this.taps]) listener(masked)
  }

  private onClosed(generation: number, reason: string): void {
    if (generation !== this.generation) return
    this.generation++
    this.link = undefined
    this.recordPartial()
    const message = `the serial port ${this.label} closed (${reason})`
    this.transcript.note(this.op, message, { event: 'closed', reason })
    for (const w of [...this.waiters]) w.fail(new DutError('E_DUT_UNREACHABLE', w.op, message))
  }

  /** Lines received since the last flush, and the line still open (a prompt, typically). */
  view(): { lines: readonly CleanLine[]; partial: CleanLine } {
    return { lines: this.window, partial: this.cleaner.partial }
  }

  /** The last thing visible on the console: the open line, or else the last complete line. */
  tail(): string {
    const partial = this.cleaner.partial.text
    if (partial.trim() !== '') return partial
    return this.window[this.window.length - 1]?.text ?? ''
  }

  /** Starts a new window: what was received so far is left to evidence. */
  flush(): void {
    this.recordPartial()
    this.window = []
    this.dropped = 0
  }

  private recordPartial(): void {
    const partial = this.cleaner.takePartial()
    if (partial.text !== '' || partial.removed) {
      if (this.sink) this.sink(partial)
      else this.transcript.received(this.op, { ...partial, partial: true })
    }
  }

  /** Sends one line (the line ending is added), recorded in evidence (masked for secrets). */
  async sendLine(op: Operation, text: string, deadline: Deadline, options: { masked?: boolean } = {}): Promise<void> {
    this.transcript.sent(op, text, options)
    // The answer is awaited anyway; waiting for the line to drain as well would only add a stage that can stall.
    await this.write(op, Buffer.from(text + this.cfg.lineEnding, 'utf8'), deadline, {
      what: () => (options.masked ? 'the password' : JSON.stringify(text)),
      until: 'accepted',
    })
  }

  /** Writes bytes and waits until the port sent them (drained), or took them with `until: 'accepted'`, or the deadline. */
  async write(
    op: Operation,
    data: Buffer,
    deadline: Deadline,
    options: { what?: () => string; until?: 'drained' | 'accepted' } = {},
  ): Promise<void> {
    const link = this.link
    if (!link?.isOpen) throw new DutError('E_DUT_UNREACHABLE', op, `the serial port ${this.label} closed`)
    this.fresh = false
    const ms = Math.round(deadline.remaining())
    const what = options.what ?? (() => `${data.length} bytes`)
    let accepted = false
    try {
      // A write still pending when the timeout wins may fail later; that is already answered.
      const outcome = await deadline.race(
        link
          .write(data, {
            until: options.until ?? 'drained',
            onAccepted: () => {
              accepted = true
            },
          })
          .then(() => 'written' as const),
        () => 'timeout' as const,
      )
      if (outcome === 'timeout') {
        await this.discard(op, link)
        const held = accepted ? 'the operating system took the bytes, but the port did not report them sent' : 'flow control held it back'
        throw new DutError('E_DUT_TIMEOUT', op, `the serial port ${this.label} did not take ${what()} within ${ms} ms (${held})`)
      }
    } catch (err) {
      if (err instanceof LinkClosed) throw new DutError('E_DUT_UNREACHABLE', op, `the serial port ${this.label} closed (${err.message})`)
      throw err
    }
  }

  /**
   * After a write that did not finish, the port still holds the rest and would send it whenever
   * the device reads again, into whatever the device is doing by then. Closing the port drops it;
   * the next operation opens the port afresh.
   */
  private async discard(op: Operation, link: Link): Promise<void> {
    this.cutOff = true
    this.transcript.note(
      op,
      `closing the serial port ${this.label}: a write did not finish, and what it still holds must not reach the device later`,
      {
        event: 'discard',
      },
    )
    await Promise.race([link.close(), sleep(DISCARD_CLOSE_MS)])
  }

  /**
   * Waits until `check` says yes (looked at after every chunk received and every few ms), or the
   * deadline (false). Rejects when the port closes.
   */
  waitFor(op: Operation, check: () => boolean, deadline: Deadline): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let tick: NodeJS.Timeout | undefined
      let timer: WaitTimer | undefined
      const waiter: Waiter = {
        op,
        check: () => {
          let done: boolean
          try {
            done = check()
          } catch (err) {
            end()
            reject(err)
            return true
          }
          if (done) {
            end()
            resolve(true)
          }
          return done
        },
        fail: (err) => {
          end()
          reject(err)
        },
      }
      const end = () => {
        clearInterval(tick)
        timer?.clear()
        this.waiters.delete(waiter)
      }
      if (!this.link?.isOpen) {
        reject(new DutError('E_DUT_UNREACHABLE', op, `the serial port ${this.label} closed`))
        return
      }
      if (waiter.check()) return
      this.waiters.add(waiter)
      tick = setInterval(() => waiter.check(), TICK_MS)
      timer = new WaitTimer(deadline.remaining(), () => {
        if (!this.waiters.has(waiter)) return
        if (waiter.check()) return
        end()
        resolve(false)
      })
    })
  }

  private poke(): void {
    for (const w of [...this.waiters]) w.check()
  }

  /**
   * Routes received lines to `sink` instead of the window and the line log (a transfer
   * summarises what the device said during it). Returns the function that ends the diversion.
   */
  divert(sink: (line: CleanLine) => void): () => void {
    this.flush()
    this.sink = sink
    return () => {
      if (this.sink === sink) {
        this.recordPartial()
        this.sink = undefined
      }
    }
  }

  /** Closes the port for good: later operations fail. */
  async close(): Promise<void> {
    this.closing = true
    await this.opening?.catch(() => {})
    const link = this.link
    if (!link) return
    this.recordPartial()
    await link.close()
  }

  /** Lines the window lost to its size limit since it was flushed. */
  get droppedLines(): number {
    return this.dropped
  }
}
