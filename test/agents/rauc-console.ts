/**
 * The console of the RAUC gateway (examples/rauc-console): what the vendor ships on its serial
 * line. A root prompt with the few commands the supplier's documentation names: `cat
 * /etc/os-release` (the running release), the real `rauc` client, and the vendor's `fw-update`,
 * which takes a bundle as base64 lines, installs it with `rauc install` (its output shown as it
 * comes) and reboots into the new slot when RAUC succeeded. Input while a command runs waits,
 * as a tty's does; input while the device is off is lost, as on a UART.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'

export const PROMPT = 'root@rg-300:~# '
const NL = '\r\n'

/** What the console needs of the device behind it. */
export interface ConsoleHost {
  powered(): boolean
  /** The running release, and the slot it was booted from. */
  release(): Promise<{ version: string; slot: string }>
  /** Environment for `rauc` (the device's own D-Bus). */
  env: NodeJS.ProcessEnv
  /** Where an uploaded bundle is kept. */
  uploadPath: string
  /** Restarts the device into the slot its boot loader now names. */
  reboot(): void
}

/** One console session: lines in, text out through `write`. */
export class ConsoleSession {
  private pending = ''
  private queue: Promise<void> = Promise.resolve()
  private upload: { size: number; lines: string[] } | undefined

  constructor(
    private readonly host: ConsoleHost,
    private readonly write: (text: string) => void,
  ) {}

  received(data: string): void {
    if (!this.host.powered()) return
    this.pending += data
    const parts = this.pending.split(/\r\n|\r|\n/)
    this.pending = parts.pop()!
    for (const line of parts) this.queue = this.queue.then(() => this.line(line)).catch((err) => this.say(`sh: ${String(err)}`))
  }

  /** Power gone: whatever was typed or uploaded is lost. */
  reset(): void {
    this.pending = ''
    this.upload = undefined
  }

  private say(text: string): void {
    if (this.host.powered()) this.write(text)
  }

  private prompt(): void {
    this.say(PROMPT)
  }

  private async line(text: string): Promise<void> {
    if (!this.host.powered()) return
    if (this.upload) return this.uploadLine(text.trim())
    const [cmd, ...args] = text.trim().split(/\s+/)
    if (!cmd) return this.prompt()
    if (cmd === 'cat' && args[0] === '/etc/os-release') {
      const r = await this.host.release()
      this.say(`NAME="RG-300"${NL}VERSION_ID=${r.version}${NL}PRETTY_NAME="RG-300 gateway ${r.version} (slot ${r.slot})"${NL}`)
    } else if (cmd === 'rauc') {
      await this.rauc(args)
    } else if (cmd === 'fw-update' && /^\d+$/.test(args[0] ?? '')) {
      this.upload = { size: Number(args[0]), lines: [] }
      this.say(`fw-update: send the bundle as base64 lines, then a line with a single "."${NL}`)
      return
    } else {
      this.say(`sh: ${cmd}: not found${NL}`)
    }
    this.prompt()
  }

  private async uploadLine(text: string): Promise<void> {
    const upload = this.upload!
    if (text !== '.') {
      upload.lines.push(text)
      return
    }
    this.upload = undefined
    const bundle = Buffer.from(upload.lines.join(''), 'base64')
    if (bundle.length !== upload.size) {
      this.say(`fw-update: failed: received ${bundle.length} of ${upload.size} bytes${NL}`)
      return this.prompt()
    }
    await writeFile(this.host.uploadPath, bundle)
    this.say(`fw-update: received ${bundle.length} bytes, installing${NL}`)
    const { code, said } = await this.rauc(['install', this.host.uploadPath])
    if (code === 0) {
      this.say(`fw-update: installed, rebooting${NL}`)
      this.host.reboot()
      return
    }
    const why = /LastError: (.*)/.exec(said)?.[1] ?? `rauc exited with ${code}`
    this.say(`fw-update: failed: ${why}${NL}`)
    this.prompt()
  }

  /** The real client, its output passed on line by line as it comes. */
  private rauc(args: string[]): Promise<{ code: number | null; said: string }> {
    return new Promise((resolve) => {
      const child = spawn('rauc', args, { env: this.host.env, stdio: ['ignore', 'pipe', 'pipe'] })
      let said = ''
      const pass = (d: Buffer) => {
        said += d.toString()
        this.say(d.toString().replace(/\r?\n/g, NL))
      }
      child.stdout.on('data', pass)
      child.stderr.on('data', pass)
      child.once('error', (err) => resolve({ code: 127, said: `rauc: ${err.message}` }))
      child.once('close', (code) => resolve({ code, said }))
    })
  }
}
