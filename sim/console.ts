import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { PowerEvent, ReferenceDut } from './device.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import { formatLogEntry } from './log.ts'
import type { CheckEvent, InstallResult } from './update-client.ts'
import type { StatusView } from './status.ts'
import type { Mode as DeviceMode } from './modes/index.ts'
import { ImageReceiver } from './receiver.ts'

/**
 * The device's serial console (UART), exported as a raw TCP port the way ser2net exports a real
 * one: `tcp://127.0.0.1:<port>`. Each connection is a terminal on the same device. There is no
 * login: the console is only reachable with the housing open (a lab interface), and the lab
 * network is loopback-only. A thin front end like the HTTP API: every command calls the same
 * device operation the API does.
 *
 * Line discipline: the shell echoes what it reads, ends lines with CRLF, takes CR, LF or CRLF as
 * the end of a line, handles backspace, Ctrl-C and Ctrl-U, ignores terminal escape sequences and
 * answers anything it does not understand with an `error:` line and the prompt `ts701> `. Answers
 * use a little ANSI colour. A restart prints the shutdown, then the boot chatter and a fresh
 * prompt; what is typed meanwhile waits in the type-ahead buffer (4 KiB) and is read after the
 * boot, as a tty does.
 */
export const PROMPT = 'ts701> '

const C = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' }
const MAX_LINE = 1024
const MAX_TRANSFER_LINE = 16 * 1024
const TYPE_AHEAD = 4096
/** Pending input beyond this pauses the socket until the shell catches up. */
const HIGH_WATER = 1024 * 1024
/** A transfer that receives nothing for this long (real ms) is broken off. */
const TRANSFER_IDLE_MS = 15_000
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export const CONSOLE_COMMANDS: Array<[string, string]> = [
  ['info', 'model, firmware version and counter, hardware ID, active slot'],
  ['settings', 'the update settings'],
  ['set auto on|off', 'install updates automatically'],
  ['postpone auto <days>', 'postpone automatic installation'],
  ['set notify on|off', 'update notifications'],
  ['postpone notify <days>', 'postpone notifications'],
  ['consent auto on|off', 'answer the setup question on automatic updates (after a factory reset)'],
  ['check', 'check the update server now'],
  ['update status', 'state=... version=... attempt=... detail=...'],
  ['update url <url> [<size> [<sha256>]]', 'fetch an image from a URL, verify and install it'],
  ['update begin <size> <sha256>', 'receive an image as base64 lines, then: update end'],
  ['update raw <size> [<sha256>]', 'receive an image as raw bytes, then: update end'],
  ['update end', 'verify and install the received image'],
  ['update abort', 'drop the image being received'],
  ['update install', 'install the update waiting for the user'],
  ['notifications', 'the notifications shown, one per line'],
  ['reboot', 'restart the device'],
  ['factory-reset', 'settings to defaults, notifications cleared, restart'],
  ['service restore', 'lab service: reinstall the baseline firmware, restart'],
  ['log [<n>]', 'the last n device log entries (default 20)'],
  ['help', 'this list'],
]

/** What a console-only A/B updater (mode console) does not offer: the bench power-cycles and reflashes it. */
const NOT_IN_CONSOLE_MODE = new Set(['update status', 'reboot', 'factory-reset', 'service restore'])

/** The shell's commands in the device's mode. */
export function consoleCommands(mode: DeviceMode): Array<[string, string]> {
  if (mode !== 'console') return CONSOLE_COMMANDS
  return CONSOLE_COMMANDS.filter(([name]) => !NOT_IN_CONSOLE_MODE.has(name.split(' ').slice(0, 2).join(' ')))
}

/**
 * What the device prints unprompted in mode console: each update check as it starts and the
 * result of each installation, whichever way the image came.
 */
export const announce = {
  check: (e: CheckEvent) => `[upd] checking for updates (${e.trigger}) at ${e.url}`,
  outcome: (v: StatusView): string | undefined => {
    if (v.state === 'installed') return `[upd] install ${v.version}: success`
    if (v.state === 'rejected') return `[upd] install: failure (${v.detail ?? 'no reason given'})`
    if (v.state === 'pending-user') return `[upd] install: waiting (${v.detail ?? 'for the user to confirm'})`
    return undefined
  },
}

export interface ConsoleOptions {
  /** Default 0: an ephemeral port. */
  port?: number
}

export class SerialConsole {
  private readonly server: Server
  private readonly sessions = new Set<Session>()
  private readonly unsubscribe: Array<() => void> = []
  private address = ''
  private closing: Promise<void> | undefined

  constructor(
    private readonly device: ReferenceDut,
    private readonly options: ConsoleOptions = {},
  ) {
    this.server = createServer((socket) => this.accept(socket))
  }

  /** Listens on loopback; resolves with `tcp://127.0.0.1:<port>`. */
  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject)
        resolve()
      })
    }).catch((err: unknown) => {
      if (errorCode(err) === 'EADDRINUSE')
        throw new SimError('E_SIM_CONFIG', `console port ${this.options.port} is in use; choose another (--console-port)`)
      throw err
    })
    this.address = `tcp://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    this.unsubscribe.push(
      this.device.signals.power.on((e) => {
        for (const s of this.sessions) s.power(e)
      }),
    )
    if (this.device.mode === 'console') this.announceUpdates()
    this.device.log.add('console', `serial console on ${this.address}`)
    return this.address
  }

  get url(): string {
    return this.address
  }

  get port(): number {
    return Number(new URL(this.address).port)
  }

  /** Connected terminals (the pty bridge is one). */
  get connections(): number {
    return this.sessions.size
  }

  /** Stops listening and hangs up every terminal (the pty bridge too); idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const off of this.unsubscribe.splice(0)) off()
      for (const s of this.sessions) s.end()
      if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()))
    })()
    return this.closing
  }

  private announceUpdates(): void {
    const say = (line: string) => {
      for (const s of this.sessions) s.announce(line)
    }
    // A new final outcome counts up the attempts; a reset or a busy state does not.
    let attempts = this.device.statusView().attempt
    this.unsubscribe.push(
      this.device.signals.check.on((e) => say(announce.check(e))),
      this.device.signals.status.on((v) => {
        if (v.attempt === attempts) return
        attempts = v.attempt
        const line = announce.outcome(v)
        if (line) say(line)
      }),
    )
  }

  private accept(socket: Socket): void {
    // A UART sends each byte as it comes; Nagle would hold the echo and the prompt back 40 ms.
    socket.setNoDelay(true)
    const session = new Session(this.device, socket)
    this.sessions.add(session)
    socket.on('close', () => {
      this.sessions.delete(session)
      session.end()
    })
    socket.on('error', () => {})
  }
}

type Mode = 'line' | 'base64' | 'raw'

interface Transfer {
  receiver: ImageReceiver
  mode: 'base64' | 'raw'
  lines: number
  /** Raw mode: all bytes are in, waiting for `update end`. */
  complete: boolean
  idle?: NodeJS.Timeout
}

/** One terminal: line editing, the command interpreter and transfers. */
class Session {
  private pending: Buffer = Buffer.alloc(0)
  private typeAhead: Buffer = Buffer.alloc(0)
  private line = ''
  private overflow = false
  private skipLf = false
  private escape: 'none' | 'esc' | 'csi' = 'none'
  private escapeLength = 0
  private mode: Mode = 'line'
  private transfer: Transfer | undefined
  private busy = false
  private down: boolean
  private afterCommand: Array<() => void> = []
  private ended = false
  /** Nothing is on the current output line: a message can go out without breaking one. */
  private atLineStart = true
  /** Messages held back while a transfer or a half-typed line is on the console. */
  private held: string[] = []

  constructor(
    private readonly device: ReferenceDut,
    private readonly socket: Socket,
  ) {
    this.down = !device.isUp
    socket.on('data', (data: Buffer) => this.input(data))
  }

  end(): void {
    if (this.ended) return
    this.ended = true
    void this.dropTransfer('the terminal went away')
    this.socket.destroy()
  }

  /**
   * A message the device prints on its own (a syslog line on the UART). It never splits a line:
   * at the prompt it goes above a fresh prompt; during a transfer or while a command line is being
   * typed it waits for the next prompt.
   */
  announce(text: string): void {
    if (this.ended) return
    if (this.mode === 'line' && this.atLineStart) this.say(text)
    else if (this.mode === 'line' && !this.busy && !this.down && this.line === '') {
      this.out('\r\n')
      this.say(text)
      this.prompt()
    } else this.held.push(text)
  }

  /** A restart or a boot: shown once the command that caused it has had its say. */
  power(e: PowerEvent): void {
    const show = () => (e.up ? this.booted() : this.goingDown(e.reason))
    if (this.busy) this.afterCommand.push(show)
    else show()
  }

  // --- input --------------------------------------------------------------------------------------

  private input(data: Buffer): void {
    if (this.ended) return
    if (this.down && !this.busy) {
      this.keepTypeAhead(data)
      return
    }
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data])
    if (this.pending.length > HIGH_WATER) this.socket.pause()
    this.pump()
  }

  private keepTypeAhead(data: Buffer): void {
    const room = TYPE_AHEAD - this.typeAhead.length
    if (room > 0) this.typeAhead = Buffer.concat([this.typeAhead, data.subarray(0, room)])
  }

  /** Reads pending input until it is used up or a command is running. */
  private pump(): void {
    while (!this.busy && !this.ended && this.pending.length > 0) {
      if (this.down) {
        this.keepTypeAhead(this.pending)
        this.pending = Buffer.alloc(0)
        break
      }
      if (this.mode === 'raw') {
        this.rawInput()
        continue
      }
      const run = this.printableRun()
      if (run > 0) {
        this.typed(this.pending.toString('latin1', 0, run))
        this.pending = this.pending.subarray(run)
        continue
      }
      const byte = this.pending[0]!
      this.pending = this.pending.subarray(1)
      this.byte(byte)
    }
    if (this.pending.length <= HIGH_WATER && this.socket.isPaused()) this.socket.resume()
  }

  /** How many bytes at the start of the input are plain text to take as typed (the common case). */
  private printableRun(): number {
    if (this.escape !== 'none' || this.skipLf) return 0
    let n = 0
    while (n < this.pending.length && this.pending[n]! >= 0x20 && this.pending[n]! < 0x7f) n++
    return n
  }

  private typed(text: string): void {
    const max = this.mode === 'base64' ? MAX_TRANSFER_LINE : MAX_LINE
    const room = Math.max(0, max - this.line.length)
    if (text.length > room) this.overflow = true
    const kept = text.slice(0, room)
    this.line += kept
    if (kept) this.out(kept)
  }

  private byte(b: number): void {
    const lf = this.skipLf
    this.skipLf = false
    if (this.escape !== 'none' && b >= 0x20) {
      // Arrow keys and other terminal sequences: ESC [ params final, or ESC O x. Control
      // characters inside one act as usual (ECMA-48), so a broken sequence cannot eat the line end.
      if (this.escape === 'esc') {
        this.escape = b === 0x5b || b === 0x4f ? 'csi' : 'none'
        this.escapeLength = 0
      } else if ((b >= 0x40 && b <= 0x7e) || ++this.escapeLength > 32) {
        this.escape = 'none'
      }
      return
    }
    if (b !== 0x1b) this.escape = 'none'
    switch (b) {
      case 0x1b:
        this.escape = 'esc'
        return
      case 0x0d:
        this.skipLf = true
        this.endOfLine()
        return
      case 0x0a:
        if (!lf) this.endOfLine()
        return
      case 0x08:
      case 0x7f:
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1)
          this.out('\b \b')
        }
        return
      case 0x03:
        this.out('^C\r\n')
        this.line = ''
        this.overflow = false
        if (this.mode === 'base64') {
          this.mode = 'line'
          void this.dropTransfer('interrupted (Ctrl-C)')
          this.error('transfer aborted')
        }
        this.prompt()
        return
      case 0x15:
        this.out('\r\x1b[K' + (this.mode === 'line' ? PROMPT : ''))
        this.line = ''
        return
      case 0x09:
        b = 0x20
        break
    }
    if (b < 0x20) return
    this.typed(b < 0x7f ? String.fromCharCode(b) : '?')
  }

  private endOfLine(): void {
    this.out('\r\n')
    const line = this.line
    const overflow = this.overflow
    this.line = ''
    this.overflow = false
    if (this.mode === 'base64') {
      this.run(() => this.base64Line(line, overflow))
      return
    }
    if (overflow) {
      this.error(`line too long (at most ${MAX_LINE} characters)`)
      this.prompt()
      return
    }
    this.run(() => this.execute(line.trim()))
  }

  /** Runs a command; input waits meanwhile, and the prompt follows unless the device went down. */
  private run(command: () => Promise<'prompt' | 'quiet'> | 'prompt' | 'quiet'): void {
    this.busy = true
    void (async () => {
      let after: 'prompt' | 'quiet' = 'prompt'
      try {
        after = await command()
      } catch (err) {
        this.error(errorMessage(err))
      }
      this.busy = false
      const shown = this.afterCommand.splice(0)
      for (const show of shown) show()
      const booted = shown.length > 0 && this.device.isUp
      if (after === 'prompt' && !this.down && !booted && this.mode !== 'base64' && this.mode !== 'raw') this.prompt()
      this.pump()
    })()
  }

  // --- commands -----------------------------------------------------------------------------------

  private async execute(line: string): Promise<'prompt' | 'quiet'> {
    if (line === '') return 'prompt'
    const d = this.device
    const words = line.split(/\s+/)
    const [cmd, arg1, arg2] = words
    const command = words.slice(0, 2).join(' ')
    if (d.mode === 'console' && (NOT_IN_CONSOLE_MODE.has(cmd ?? '') || NOT_IN_CONSOLE_MODE.has(command))) {
      this.error(`unknown command '${printable(command)}' (type 'help' for the list)`)
      return 'prompt'
    }
    d.log.add(
      'console',
      `command ${printable(cmd === 'update' || cmd === 'set' || cmd === 'consent' || cmd === 'postpone' || cmd === 'service' ? command : (cmd ?? ''))}`,
    )
    switch (cmd) {
      case 'help':
        this.say(`${C.bold}commands${C.reset}`)
        for (const [name, what] of consoleCommands(d.mode)) this.say(`  ${name.padEnd(38)} ${C.dim}${what}${C.reset}`)
        return 'prompt'
      case 'info': {
        const fw = d.firmware()
        this.say(
          `model ${C.bold}${d.model}${C.reset}, firmware ${C.bold}${fw.version}${C.reset} (counter ${fw.counter}), hardware ${d.hardwareId}, slot ${fw.slot}`,
        )
        return 'prompt'
      }
      case 'settings':
        this.settings()
        return 'prompt'
      case 'set': {
        const on = switchOf(arg2)
        if (words.length !== 3 || on === undefined || (arg1 !== 'auto' && arg1 !== 'notify'))
          return this.usage('set auto on|off  or  set notify on|off')
        const view = d.changeSettings(arg1 === 'auto' ? { autoUpdate: on } : { notifications: on }, 'console')
        const value = arg1 === 'auto' ? view.autoUpdate : view.notifications
        this.say(`${C.green}ok${C.reset}: ${arg1 === 'auto' ? 'auto-update' : 'notifications'} ${onOff(value)}`)
        return 'prompt'
      }
      case 'consent': {
        const on = switchOf(arg2)
        if (words.length !== 3 || on === undefined || arg1 !== 'auto') return this.usage('consent auto on|off')
        const view = d.answerConsent({ automaticUpdates: on }, 'console')
        this.say(`${C.green}ok${C.reset}: setup done, auto-update ${onOff(view.autoUpdate)}`)
        return 'prompt'
      }
      case 'postpone': {
        const days = Number(arg2)
        if (words.length !== 3 || (arg1 !== 'auto' && arg1 !== 'notify') || arg2 === undefined || !/^\d+(\.\d+)?$/.test(arg2))
          return this.usage('postpone auto <days>  or  postpone notify <days>')
        if (arg1 === 'auto')
          this.say(`${C.green}ok${C.reset}: automatic installation postponed until ${d.postponeUpdates(days, 'console').postponedUntil}`)
        else
          this.say(
            `${C.green}ok${C.reset}: notifications postponed until ${d.postponeNotifications(days, 'console').notificationsPostponedUntil}`,
          )
        return 'prompt'
      }
      case 'check':
        d.checkNow()
        this.say(`${C.green}ok${C.reset}: checking for updates at ${d.updateServerUrl}`)
        return 'prompt'
      case 'notifications': {
        const items = d.notifications.list()
        items.forEach((n, i) => this.say(`#${i + 1} ${n.time} [${C.yellow}${n.kind}${C.reset}] ${n.text}`))
        this.say(`-- end of notifications (${items.length}) --`)
        return 'prompt'
      }
      case 'update':
        return this.update(words.slice(1), line)
      case 'reboot':
        if (words.length !== 1) return this.usage('reboot')
        this.say('Rebooting...')
        d.reboot()
        return 'quiet'
      case 'factory-reset':
        if (words.length !== 1) return this.usage('factory-reset')
        this.say('factory reset: restoring default settings and clearing notifications; rebooting')
        await d.factoryReset()
        return 'quiet'
      case 'service':
        if (arg1 !== 'restore' || words.length !== 2) return this.usage('service restore')
        this.say(`service: restoring baseline firmware; rebooting`)
        await d.restoreBaseline()
        return 'quiet'
      case 'log': {
        const n = arg1 === undefined ? 20 : Number(arg1)
        if (!Number.isSafeInteger(n) || n <= 0 || arg2 !== undefined) return this.usage('log [<n>]')
        for (const entry of d.log.all().slice(-n)) this.say(`${C.dim}${formatLogEntry(entry)}${C.reset}`)
        return 'prompt'
      }
      default:
        this.error(`unknown command '${printable(cmd ?? '')}' (type 'help' for the list)`)
        return 'prompt'
    }
  }

  private settings(): void {
    const v = this.device.settings.view()
    this.say(`auto-update: ${onOff(v.autoUpdate)}`)
    this.say(`notifications: ${onOff(v.notifications)}`)
    this.say(`auto-update postponed: ${v.postponedUntil ? `until ${v.postponedUntil}` : 'no'}`)
    this.say(`notifications postponed: ${v.notificationsPostponedUntil ? `until ${v.notificationsPostponedUntil}` : 'no'}`)
  }

  private async update(args: string[], line: string): Promise<'prompt' | 'quiet'> {
    const d = this.device
    const [sub, a, b, c] = args
    switch (sub) {
      case 'status': {
        const v = d.statusView()
        const state =
          v.state === 'installed' ? `${C.green}${v.state}${C.reset}` : v.state === 'rejected' ? `${C.red}${v.state}${C.reset}` : v.state
        this.say(`state=${state} version=${v.version} attempt=${v.attempt}${v.detail ? ` detail=${v.detail}` : ''}`)
        return 'prompt'
      }
      case 'url': {
        if (a === undefined || args.length > 4) return this.usage('update url <url> [<size> [<sha256>]]')
        const size = b === undefined ? undefined : Number(b)
        if (b !== undefined && !/^\d+$/.test(b)) return this.usage('update url <url> [<size> [<sha256>]]')
        this.say(`fetching ${a}`)
        this.verdict(
          await d.installFromUrl(a, { ...(size !== undefined ? { size } : {}), ...(c ? { sha256: c } : {}) }, 'upload (console, url)'),
        )
        return 'prompt'
      }
      case 'begin':
      case 'raw': {
        const raw = sub === 'raw'
        const usage = raw ? 'update raw <size> [<sha256>]' : 'update begin <size> <sha256>'
        if (a === undefined || !/^\d+$/.test(a) || (!raw && b === undefined) || args.length > 3) return this.usage(usage)
        await this.dropTransfer('superseded by a new transfer')
        const receiver = await ImageReceiver.open(d, { size: Number(a), ...(b ? { sha256: b } : {}) }, 'console')
        this.transfer = { receiver, mode: raw ? 'raw' : 'base64', lines: 0, complete: false }
        this.mode = raw ? 'raw' : 'base64'
        this.touch()
        d.log.add('install', `receiving an image of ${a} bytes on the console (${raw ? 'raw' : 'base64 lines'})`)
        this.say(
          raw ? `ready: send ${a} raw bytes now` : `ready: send ${a} bytes as base64 lines, then 'update end' ('update abort' cancels)`,
        )
        return 'quiet'
      }
      case 'end':
        if (args.length !== 1) return this.usage('update end')
        await this.finish()
        return 'prompt'
      case 'abort': {
        const had = this.transfer !== undefined
        await this.dropTransfer('aborted on the console')
        this.say(had ? 'ok: transfer aborted' : 'ok: no transfer in progress')
        return 'prompt'
      }
      case 'install':
        this.verdict(await d.client.installPending())
        return 'prompt'
      default:
        this.error(`unknown command '${printable(line)}' (update status|url|begin|raw|end|abort|install)`)
        return 'prompt'
    }
  }

  /** One line in base64 mode: data, `update end`, `update abort`, or the end of the transfer by error. */
  private async base64Line(line: string, overflow: boolean): Promise<'prompt' | 'quiet'> {
    const text = line.trim()
    const t = this.transfer
    if (!t) {
      this.mode = 'line'
      return 'prompt'
    }
    this.touch()
    if (text === 'update end') {
      this.mode = 'line'
      await this.finish()
      return 'prompt'
    }
    if (text === 'update abort') {
      this.mode = 'line'
      await this.dropTransfer('aborted on the console')
      this.say('ok: transfer aborted')
      return 'prompt'
    }
    if (text === '') return 'quiet'
    try {
      if (overflow) throw new SimError('E_SIM_TRANSFER', `line ${t.lines + 1} is longer than ${MAX_TRANSFER_LINE} characters`)
      if (!BASE64.test(text) || text.length % 4 === 1) throw new SimError('E_SIM_TRANSFER', `line ${t.lines + 1} is not base64`)
      await t.receiver.write(Buffer.from(text, 'base64'))
      t.lines += 1
      return 'quiet'
    } catch (err) {
      this.mode = 'line'
      await this.dropTransfer(errorMessage(err))
      this.error(`transfer broken off: ${errorMessage(err)}`)
      return 'prompt'
    }
  }

  private rawInput(): void {
    const t = this.transfer
    if (!t || t.complete) {
      this.mode = 'line'
      return
    }
    if (this.skipLf && this.pending[0] === 0x0a) this.pending = this.pending.subarray(1)
    this.skipLf = false
    if (this.pending.length === 0) return
    const take = Math.min(this.pending.length, t.receiver.remaining)
    const piece = this.pending.subarray(0, take)
    this.pending = this.pending.subarray(take)
    this.touch()
    this.run(async () => {
      try {
        await t.receiver.write(piece)
      } catch (err) {
        this.mode = 'line'
        await this.dropTransfer(errorMessage(err))
        this.error(`transfer broken off: ${errorMessage(err)}`)
        return 'prompt'
      }
      if (t.receiver.remaining > 0) return 'quiet'
      t.complete = true
      clearTimeout(t.idle)
      this.mode = 'line'
      this.say(`received ${t.receiver.bytes} bytes; 'update end' verifies and installs`)
      return 'prompt'
    })
  }

  /** `update end`: the received image, verified and installed (or why not). */
  private async finish(): Promise<void> {
    const t = this.transfer
    const d = this.device
    this.transfer = undefined
    if (!t) {
      this.error(`no transfer in progress (start one with 'update begin' or 'update raw')`)
      return
    }
    clearTimeout(t.idle)
    let result: InstallResult
    try {
      const received = await t.receiver.finish()
      d.log.add('install', `received ${received.bytes} bytes on the console${t.mode === 'base64' ? ` in ${t.lines} base64 lines` : ''}`, {
        sha256: received.sha256,
      })
      this.say(`verifying ${received.bytes} bytes`)
      result = await d.installUpload(received.path, received.bootId, 'upload (console)')
    } catch (err) {
      if (errorCode(err) === 'E_SIM_RESTARTING') throw err
      d.log.add('install', `console transfer failed: ${errorMessage(err)}`, { code: errorCode(err) })
      d.status.settle('rejected', `${errorCode(err)}: ${errorMessage(err)}`)
      result = { accepted: false, code: errorCode(err), reason: errorMessage(err), message: `The transfer failed: ${errorMessage(err)}` }
    }
    this.verdict(result)
  }

  private verdict(r: InstallResult): void {
    if (r.accepted) this.say(`update: ${C.green}accepted${C.reset}: ${r.message}`)
    else this.say(`update: ${C.red}rejected${C.reset}: ${r.message}${r.code ? ` [${r.code}]` : ''}`)
  }

  private touch(): void {
    const t = this.transfer
    if (!t) return
    clearTimeout(t.idle)
    t.idle = setTimeout(() => {
      if (this.transfer !== t || t.complete) return
      const wasRaw = this.mode === 'raw'
      this.mode = 'line'
      this.pending = Buffer.alloc(0)
      void this.dropTransfer('nothing arrived for 15 s')
      this.out('\r\n')
      this.error(`transfer timed out after ${t.receiver.bytes} bytes${wasRaw ? ' (raw)' : ''}`)
      this.prompt()
    }, TRANSFER_IDLE_MS)
    t.idle.unref()
  }

  private async dropTransfer(why: string): Promise<void> {
    const t = this.transfer
    if (!t) return
    this.transfer = undefined
    clearTimeout(t.idle)
    await t.receiver.abort()
    this.device.log.add('install', `console transfer dropped: ${why}`, { received: t.receiver.bytes })
  }

  // --- power --------------------------------------------------------------------------------------

  private goingDown(reason: string): void {
    this.down = true
    const wasTransfer = this.mode !== 'line'
    this.mode = 'line'
    this.line = ''
    this.overflow = false
    this.escape = 'none'
    // Unread input is kept for after the boot, like everything typed from now on; image data is not.
    if (!wasTransfer) this.keepTypeAhead(this.pending)
    this.pending = Buffer.alloc(0)
    void this.dropTransfer('restart')
    this.out('\r\n')
    this.say(`${C.dim}[  OK  ] Stopped update client.${C.reset}`)
    this.say(`${C.dim}[  OK  ] Reached target shutdown.${C.reset}`)
    this.say(`reboot: Restarting system (${reason})`)
  }

  private booted(): void {
    const d = this.device
    const fw = d.firmware()
    this.down = false
    this.say('')
    this.say(`TS701 boot ROM 1.2 (mask ROM)`)
    this.say(`boot: slot ${fw.slot} signature ${C.green}OK${C.reset}, starting firmware ${fw.version} (counter ${fw.counter})`)
    this.say(`[    0.000000] ${d.model} hardware ${d.hardwareId}`)
    this.say(`[    0.041250] net: lo up`)
    this.say(`[    0.083127] update-client: server ${d.updateServerUrl}, first check in 120 s`)
    this.say(`[    0.102911] console: ttyS0 at 115200 baud`)
    this.say('')
    this.say(`${C.bold}${d.model}${C.reset} console, firmware ${fw.version}. Type 'help' for commands.`)
    this.prompt()
    const typed = this.typeAhead
    this.typeAhead = Buffer.alloc(0)
    if (typed.length > 0) {
      this.pending = this.pending.length === 0 ? typed : Buffer.concat([typed, this.pending])
      // After the current stack (a power event may arrive in the middle of a command's finish).
      setImmediate(() => this.pump())
    }
  }

  // --- output -------------------------------------------------------------------------------------

  private usage(text: string): 'prompt' {
    this.error(`usage: ${text}`)
    return 'prompt'
  }

  private error(text: string): void {
    this.say(`${C.red}error:${C.reset} ${text}`)
  }

  private say(text: string): void {
    this.out(`${text}\r\n`)
  }

  private prompt(): void {
    for (const text of this.held.splice(0)) this.say(text)
    this.out(PROMPT)
  }

  private out(text: string): void {
    if (this.ended || this.socket.destroyed) return
    this.atLineStart = text.endsWith('\n')
    this.socket.write(text, 'utf8')
  }
}

function switchOf(word: string | undefined): boolean | undefined {
  if (word === 'on') return true
  if (word === 'off') return false
  return undefined
}

function onOff(value: boolean): string {
  return value ? `${C.green}on${C.reset}` : `${C.yellow}off${C.reset}`
}

function printable(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text
}
