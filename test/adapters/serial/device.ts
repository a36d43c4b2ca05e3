/**
 * A fake device console for the serial adapter's tests: a little shell behind the prompt
 * `dut> ` that echoes what it receives, colours its output with ANSI codes, ends lines as told
 * (CRLF, lone CR, LF CR), prints boot chatter and log lines unprompted, can ask for a login, and
 * receives images as base64 lines or raw bytes. It runs on the far end of a pty pair (opened with
 * serialport, as a device's UART would be) or behind a TCP server (as ser2net exports a port).
 */
import { createHash, type Hash } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { SerialPort } from 'serialport'

export const PROMPT = 'dut> '

export const ansi = {
  bold: (s: string) => `\x1b[1m${s}\x1b[0m`,
  green: (s: string) => `\x1b[32m${s}\x1b[0m`,
  red: (s: string) => `\x1b[1;31m${s}\x1b[0m`,
  /** Window title (OSC), as some shells set it. */
  title: (s: string) => `\x1b]0;${s}\x07`,
}

/** What a command does: lines to print (then the prompt), or nothing (the handler printed itself). */
export type Handler = (
  args: string,
  device: FakeConsole,
) => string | string[] | undefined | void | Promise<string | string[] | undefined | void>

export interface FakeConsoleOptions {
  /** Device line ending for what it prints. */
  eol?: '\r\n' | '\r' | '\n\r' | '\n'
  /** Echo received characters (default true). */
  echo?: boolean
  /** Ask for a login first (and after each reboot). */
  login?: { username: string; password: string }
  /** Printed when the device starts, before anyone sent anything. */
  bootChatter?: string[]
  /** Extra or replaced commands, by their first word(s): the longest matching key wins. */
  commands?: Record<string, Handler>
  /** How long `reboot` keeps the console dead before the boot chatter (ms). */
  rebootMs?: number
}

/** An image the device received. */
export interface Received {
  mode: 'base64-lines' | 'raw'
  announced: number
  bytes: number
  lines: number
  sha256: string
  /** The longest base64 line, in decoded bytes. */
  longestLine: number
}

interface Wire {
  write(data: Buffer | string): void
  /** Stops reading from the line: what is sent piles up until flow control holds the sender back. */
  pause(): void
  resume(): void
  close(): Promise<void>
}

type State =
  | { kind: 'login-user' }
  | { kind: 'login-password'; user: string }
  | { kind: 'shell' }
  | { kind: 'base64'; announced: number; hash: Hash; bytes: number; lines: number; longest: number }
  | { kind: 'raw'; announced: number; hash: Hash; bytes: number }
  /** Input is dropped: booting, hung, or a test made it so. */
  | { kind: 'deaf' }

export class FakeConsole {
  /** Command lines received in the shell, in order. */
  readonly commands: string[] = []
  readonly received: Received[] = []
  /** Every byte the device received, as text (latin1). */
  input = ''
  state: State
  private line = ''
  private lastCr = false
  private wire?: Wire
  private readonly handlers: Record<string, Handler>
  private readonly timers = new Set<NodeJS.Timeout>()
  private outcomePolls = 0
  lastUpload?: Received

  constructor(readonly options: FakeConsoleOptions = {}) {
    this.state = options.login ? { kind: 'login-user' } : { kind: 'shell' }
    this.handlers = { ...defaultCommands(), ...options.commands }
  }

  get eol(): string {
    return this.options.eol ?? '\r\n'
  }

  attach(wire: Wire): void {
    this.wire = wire
    for (const l of this.options.bootChatter ?? []) this.print(l)
    this.showPrompt()
  }

  /** Prints text as is (line breaks in `text` become the device's line ending). */
  write(text: string): void {
    this.wire?.write(Buffer.from(text.replace(/\r?\n/g, this.eol), 'utf8'))
  }

  /** Prints one line, e.g. a log line unprompted. */
  print(line: string): void {
    this.write(`${line}\n`)
  }

  showPrompt(): void {
    if (this.state.kind === 'login-user') this.write('login: ')
    else if (this.state.kind === 'shell') this.write(PROMPT)
  }

  /** Runs `fn` after `ms`, unless the device was stopped. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  /** The device goes down and comes back: chatter, then the prompt (or the login prompt). */
  reboot(): void {
    this.state = { kind: 'deaf' }
    this.later(this.options.rebootMs ?? 300, () => {
      this.print(`${ansi.bold('U-Boot 2024.01')} (Jan 01 2024)`)
      this.write('Hit any key to stop autoboot:  1 \r\x1b[K')
      this.write('Hit any key to stop autoboot:  0 \n')
      this.print('[    0.000000] Booting Linux on physical CPU 0x0')
      this.print(`[    1.234567] ${ansi.green('OK')} Started network`)
      this.later(80, () => {
        this.print('[    2.000000] version: 0.0.0-bootloader')
        this.state = this.options.login ? { kind: 'login-user' } : { kind: 'shell' }
        this.showPrompt()
      })
    })
  }

  /** Bytes from the line. */
  feed(data: Buffer): void {
    this.input += data.toString('latin1')
    let i = 0
    while (i < data.length) {
      const state = this.state
      if (state.kind === 'deaf') return
      if (state.kind === 'raw') {
        if (state.bytes === 0 && this.lastCr && data[i] === 0x0a) {
          // The LF of the CRLF that ended the command line is not image data.
          this.lastCr = false
          i++
          continue
        }
        const take = Math.min(state.announced - state.bytes, data.length - i)
        const piece = data.subarray(i, i + take)
        state.hash.update(piece)
        state.bytes += take
        i += take
        if (state.bytes >= state.announced) {
          this.lastUpload = {
            mode: 'raw',
            announced: state.announced,
            bytes: state.bytes,
            lines: 0,
            sha256: state.hash.digest('hex'),
            longestLine: 0,
          }
          this.state = { kind: 'shell' }
          this.print(`received ${state.bytes} bytes`)
        }
        continue
      }
      const c = String.fromCharCode(data[i]!)
      i++
      if (c === '\n' && this.lastCr) {
        this.lastCr = false
        continue
      }
      this.lastCr = c === '\r'
      if (c === '\r' || c === '\n') {
        if (this.echoes()) this.wire?.write('\r\n')
        const line = this.line
        this.line = ''
        void this.onLine(line)
        continue
      }
      if (c === '\x7f' || c === '\b') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1)
          if (this.echoes()) this.wire?.write('\b \b')
        }
        continue
      }
      this.line += c
      if (this.echoes()) this.wire?.write(c)
    }
  }

  private echoes(): boolean {
    return this.options.echo !== false && this.state.kind !== 'login-password' && this.state.kind !== 'deaf'
  }

  private async onLine(line: string): Promise<void> {
    const state = this.state
    switch (state.kind) {
      case 'login-user':
        if (line.trim() === '') {
          this.showPrompt()
          return
        }
        this.state = { kind: 'login-password', user: line.trim() }
        this.write('Password: ')
        return
      case 'login-password': {
        const ok = state.user === this.options.login?.username && line === this.options.login?.password
        this.write('\n')
        if (ok) {
          this.print('Last login: Mon Jan  1 00:00:00 on ttyS0')
          this.state = { kind: 'shell' }
          this.showPrompt()
        } else {
          this.print('Login incorrect')
          this.state = { kind: 'login-user' }
          this.later(30, () => this.showPrompt())
        }
        return
      }
      case 'base64': {
        if (line.trim() === 'upload end') {
          const sha256 = state.hash.digest('hex')
          this.lastUpload = {
            mode: 'base64-lines',
            announced: state.announced,
            bytes: state.bytes,
            lines: state.lines,
            sha256,
            longestLine: state.longest,
          }
          this.state = { kind: 'shell' }
          this.finishUpload(this.lastUpload)
          return
        }
        const bytes = Buffer.from(line, 'base64')
        state.hash.update(bytes)
        state.bytes += bytes.length
        state.lines++
        state.longest = Math.max(state.longest, bytes.length)
        return
      }
      case 'shell':
        break
      default:
        return
    }
    const command = line.trim()
    if (command === '') {
      this.showPrompt()
      return
    }
    this.commands.push(command)
    const key = Object.keys(this.handlers)
      .filter((k) => command === k || command.startsWith(`${k} `))
      .sort((x, y) => y.length - x.length)[0]
    if (key === undefined) {
      this.print(`${ansi.red('ERR')} unknown command: ${command}`)
      this.showPrompt()
      return
    }
    const out = await this.handlers[key]!(command.slice(key.length).trim(), this)
    if (out === undefined) return
    for (const l of Array.isArray(out) ? out : [out]) this.print(l)
    this.showPrompt()
  }

  finishUpload(r: Received): void {
    this.received.push(r)
    if (r.bytes === r.announced) this.print(`upload ${ansi.green('ok')}: ${r.bytes} bytes, sha256 ${r.sha256}`)
    else this.print(`upload ${ansi.red('failed')}: got ${r.bytes} of ${r.announced} bytes`)
    this.showPrompt()
  }

  /** Stops reading input altogether (a device whose receive buffer is full). */
  stopReading(): void {
    this.wire?.pause()
  }

  /** Reads input again after `stopReading`. */
  resumeReading(): void {
    this.wire?.resume()
  }

  /** Counts the polls of `update status`. */
  poll(): number {
    return ++this.outcomePolls
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    const wire = this.wire
    this.wire = undefined
    await wire?.close()
  }
}

function defaultCommands(): Record<string, Handler> {
  return {
    identify: () => [`${ansi.bold('Model')}:    TS-Cam ${ansi.green('3000')}`, `Firmware: ${ansi.green('1.4.2')}`],
    settings: () => [`auto-update: ${ansi.green('enabled')}`, `notify:      ${ansi.red('off')}`],
    'set auto': (v) => [`auto-update set to ${v}`],
    'set notify': (v) => [`notify set to ${v}`],
    check: () => ['checking for updates...', 'no update available'],
    notifications: () => [
      '3 notifications:',
      '[2024-05-01T10:00:00Z] update: Firmware 1.5.0 is available',
      '[2024-05-02T11:30:00Z] security: Certificate renewed',
      'plain line without a bracket',
      '[2024-05-03T12:45:00Z] update: Firmware 1.5.0 installed',
      '-- end --',
    ],
    'upload begin': (args, d) => {
      const size = Number(args.split(' ')[0])
      d.state = { kind: 'base64', announced: size, hash: createHash('sha256'), bytes: 0, lines: 0, longest: 0 }
      d.print(`READY for ${size} bytes as base64 lines; end with "upload end"`)
      return undefined
    },
    'upload raw': (args, d) => {
      const size = Number(args.split(' ')[0])
      d.state = { kind: 'raw', announced: size, hash: createHash('sha256'), bytes: 0 }
      d.print(`READY for ${size} raw bytes`)
      return undefined
    },
    'upload end': (_, d) => {
      const r = d.lastUpload
      if (!r) return ['upload failed: nothing received']
      d.finishUpload(r)
      return undefined
    },
    install: (args) => [`fetching ${args.split(' ')[0]}`, `queued: ${ansi.green('ok')} (download started)`],
    'update status': (_, d) => (d.poll() < 3 ? ['update: pending'] : ['update: installed 1.5.0 (signature verified)']),
    reboot: (_, d) => {
      d.print('rebooting...')
      d.reboot()
      return undefined
    },
  }
}

/** The fake device on end `b` of a pty pair, opened with serialport like a device's UART. */
export async function onPty(path: string, device: FakeConsole): Promise<FakeConsole> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false })
  port.on('error', () => {})
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
  port.on('data', (d: Buffer) => device.feed(d))
  device.attach({
    write: (data) => {
      if (port.isOpen) port.write(data)
    },
    pause: () => {
      port.pause()
    },
    resume: () => {
      port.resume()
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  })
  return device
}

/** The fake device behind a TCP server on loopback (one connection at a time, as ser2net). */
export async function onTcp(device: FakeConsole): Promise<{ url: string; server: Server; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.on('data', (d: Buffer) => device.feed(d))
    device.attach({
      write: (data) => {
        if (!socket.destroyed) socket.write(data)
      },
      pause: () => {
        socket.pause()
      },
      resume: () => {
        socket.resume()
      },
      close: async () => {
        socket.destroy()
      },
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `tcp://127.0.0.1:${port}`,
    server,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
