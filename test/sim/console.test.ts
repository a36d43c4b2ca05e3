import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { SerialPort } from 'serialport'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { LogEntry } from '../../sim/log.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { ImageServer, Terminal } from './channels.ts'
import { attacksFor, FAST, sleep } from './helpers.ts'

async function tcpTerminal(url: string): Promise<Terminal> {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject))
  return new Terminal(socket)
}

/** `update status` once no check is under way (the one after a boot, say). */
async function settled(t: Terminal): Promise<string> {
  for (let i = 0; ; i++) {
    const status = await t.answer('update status')
    if (!/^state=(checking|downloading|verifying) /.test(status) || i > 200) return status
    await sleep(10)
  }
}

/** Waits for the end of a restart: the shutdown, the boot chatter and a fresh prompt. */
async function rebooted(t: Terminal, mark: number): Promise<string> {
  return t.waitFor(/Restarting system[\s\S]*TS701 boot ROM[\s\S]*Type 'help' for commands\.\nts701> $/, mark)
}

describe('reference DUT over its serial console (TCP)', () => {
  let setup: ReferenceSetup
  let t: Terminal
  let attacks: Awaited<ReturnType<typeof attacksFor>>
  const logged: LogEntry[] = []

  beforeAll(async () => {
    setup = await createReferenceSetup({ channel: 'serial', pty: false, timeScale: FAST, onLog: (e) => logged.push(e) })
    t = await tcpTerminal(setup.consoleUrl!)
    attacks = await attacksFor(setup)
  })
  afterAll(async () => {
    t.stream.destroy()
    await attacks.cleanup()
    await setup.close()
  })
  beforeEach(async () => {
    let mark = t.raw.length
    await t.write('service restore\r\n')
    await rebooted(t, mark)
    mark = t.raw.length
    await t.write('factory-reset\r\n')
    await rebooted(t, mark)
  })

  it('listens on loopback TCP without a pty, as the setup says', () => {
    expect(setup.channel).toBe('serial')
    expect(setup.consoleUrl).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
    expect(setup.ttyPath).toBeUndefined()
  })

  it('echoes the command, answers info on one line a regex can pick up, with CRLF and ANSI colour', async () => {
    const mark = t.raw.length
    await t.command('info')
    const raw = t.raw.slice(mark)
    expect(raw).toMatch(
      /^info\r\nmodel \x1b\[1mTS701-REF-1\x1b\[0m, firmware \x1b\[1m1\.0\.0\x1b\[0m \(counter 100\), hardware ts701-ref-hw1, slot [ab]\r\nts701> $/,
    )
    expect(await t.answer('info')).toMatch(/^model (?<model>[^,\s]+), firmware (?<version>[^\s,]+)/)
  })

  it('shows and changes the settings', async () => {
    expect(await t.answer('settings')).toBe('auto-update: on\nnotifications: on\nauto-update postponed: no\nnotifications postponed: no')
    expect(await t.answer('set auto off')).toBe('ok: auto-update off')
    expect(await t.answer('set notify off')).toBe('ok: notifications off')
    expect(await t.answer('postpone auto 7')).toMatch(/^ok: automatic installation postponed until \d{4}-\d\d-\d\dT[\d:.]+Z$/)
    expect(await t.answer('postpone notify 3')).toMatch(/^ok: notifications postponed until \S+Z$/)
    const settings = await t.answer('settings')
    expect(settings).toMatch(/^auto-update: off\nnotifications: off\nauto-update postponed: until \S+\nnotifications postponed: until \S+$/)
    expect(await t.answer('set auto maybe')).toBe('error: usage: set auto on|off  or  set notify on|off')
    expect(await t.answer('postpone auto 99')).toMatch(/^error: days must be a number greater than 0 and at most 30$/)
    expect(await t.answer('set auto on')).toBe('ok: auto-update on')
  })

  it('answers unknown commands and garbage with an error line and the prompt, and keeps working', async () => {
    expect(await t.answer('frobnicate now')).toBe("error: unknown command 'frobnicate' (type 'help' for the list)")
    expect(await t.answer('update sideways')).toMatch(/^error: unknown command 'update sideways'/)
    // Line noise: anything but the line-editing keys (Ctrl-C, Ctrl-U, backspace), which would rightly wipe the line.
    const editing = new Set([0x03, 0x08, 0x0a, 0x0d, 0x15, 0x7f])
    const noise = Buffer.concat([Buffer.from('x'), randomBytes(300).map((b) => (editing.has(b) ? 0x41 : b)), Buffer.from('\r\n')])
    let mark = t.raw.length
    await t.write(noise)
    await t.waitFor(/error: [^\n]*\nts701> $/, mark)
    mark = t.raw.length
    await t.write(`${'x'.repeat(5000)}\r\n`)
    expect(await t.waitFor(/\nts701> $/, mark)).toContain('error: line too long (at most 1024 characters)')
    // An escape sequence broken off by the line end does not swallow the line end.
    expect(await t.answer('foo \x1b[12')).toBe("error: unknown command 'foo' (type 'help' for the list)")
    // Arrow keys, a backspace, Ctrl-C, Ctrl-U: line editing, not commands.
    expect(await t.answer('\x1b[A\x1b[Binfx\x7fo')).toMatch(/^model TS701-REF-1, firmware 1\.0\.0/)
    mark = t.raw.length
    await t.write('half a comm\x03')
    await t.waitFor(/\^C\nts701> $/, mark)
    // Ctrl-U wipes the line (CR, erase to end of line, the prompt again).
    const killed = await t.answer('garbage\x15info')
    expect(killed).toMatch(/\nmodel TS701-REF-1/)
    expect(killed).not.toContain('error')
    expect(await t.answer('')).toBe('')
    expect(await t.answer('help')).toContain('update begin <size> <sha256>')
    expect(await t.answer('info')).toMatch(/^model TS701-REF-1, firmware 1\.0\.0/)
  })

  it('installs an image sent as base64 lines, reports the status and restarts with boot chatter', async () => {
    // The boot check after the reset may still be under way.
    expect(await t.answer('update status')).toMatch(/^state=(idle|checking) version=1\.0\.0 attempt=\d+$/)
    const mark = t.raw.length
    const verdict = await t.uploadBase64(setup.images.valid)
    expect(verdict).toMatch(/^verifying \d+ bytes\nupdate: accepted: Version 1\.1\.0 verified and installed/m)
    const shown = await rebooted(t, mark)
    // The verdict comes before the shutdown.
    expect(shown.indexOf('update: accepted')).toBeLessThan(shown.indexOf('Restarting system'))
    expect(shown).toContain('starting firmware 1.1.0 (counter 110)')
    expect(await settled(t)).toMatch(
      /^state=installed version=1\.1\.0 attempt=\d+ detail=version 1\.1\.0 installed \(upload \(console\)\)$/,
    )
    expect(await t.answer('info')).toMatch(/firmware 1\.1\.0 \(counter 110\)/)
    const list = (await t.answer('notifications')).split('\n')
    expect(list).toHaveLength(2)
    expect(list[0]).toMatch(/^#1 \S+Z \[disruption\] The device will restart/)
    expect(list[1]).toBe('-- end of notifications (1) --')
  })

  it.each([
    ['payload-byte', 'payload-hash'],
    ['untrusted-key', 'untrusted-key'],
    ['truncated', 'length'],
    ['downgrade', 'rollback'],
  ])('rejects the tampered image %s (%s) sent as base64 lines', async (name, code) => {
    const verdict = await t.uploadBase64(attacks.byName.get(name)!.image)
    expect(verdict).toMatch(new RegExp(`^update: rejected: This file is not a valid update for this device: .* \\[${code}\\]$`, 'm'))
    expect(await settled(t)).toMatch(new RegExp(`^state=rejected version=1\\.0\\.0 attempt=\\d+ detail=${code}: `))
    expect(await t.answer('info')).toMatch(/firmware 1\.0\.0 \(counter 100\)/)
  })

  it('installs an image sent as raw bytes', async () => {
    const mark = t.raw.length
    expect(await t.uploadRaw(setup.images.valid)).toMatch(/update: accepted: Version 1\.1\.0/)
    await rebooted(t, mark)
    expect(await t.answer('info')).toMatch(/firmware 1\.1\.0/)
  })

  it('breaks a transfer off on a line that is not base64, on a hash mismatch, and on update abort', async () => {
    expect(await t.waitAnswer(`update begin 100 ${'ab'.repeat(32)}`, /ready:/)).toContain('ready: send 100 bytes as base64 lines')
    expect(await t.answer('this is not base64!')).toBe('error: transfer broken off: line 1 is not base64')
    expect(await t.answer('update end')).toBe("error: no transfer in progress (start one with 'update begin' or 'update raw')")

    const wrong = await t.uploadBase64(setup.images.valid, 768, 'cd'.repeat(32))
    expect(wrong).toMatch(/^update: rejected: The transfer failed: the SHA-256 of the received bytes .* \[E_SIM_TRANSFER\]$/m)

    await t.waitAnswer(`update begin 100 ${'ab'.repeat(32)}`, /ready:/)
    expect(await t.answer('update abort')).toBe('ok: transfer aborted')
    expect(await t.answer('update begin 99999999999 x')).toMatch(/^error: /)
    expect(await t.answer('info')).toMatch(/firmware 1\.0\.0/)
  })

  it('fetches an image from a URL and installs it', async () => {
    const server = await ImageServer.start(setup.tls.server)
    try {
      const url = server.serve(setup.images.valid)
      const mark = t.raw.length
      await t.write(`update url ${url} ${setup.images.valid.size} ${setup.images.valid.sha256}\r\n`)
      const shown = await rebooted(t, mark)
      expect(shown).toContain(`fetching ${url}`)
      expect(shown).toMatch(/update: accepted: Version 1\.1\.0/)
      expect(await t.answer('update url https://192.0.2.7/x.img')).toMatch(
        /update: rejected: The image could not be fetched: .*not a loopback address.* \[E_SIM_NOT_LOOPBACK\]/,
      )
    } finally {
      await server.close()
    }
  })

  it('reboots with chatter, and reads what was typed during the restart after the boot', async () => {
    const mark = t.raw.length
    await t.write('reboot\r\ninfo\r\n')
    const shown = await t.waitFor(/TS701 boot ROM[\s\S]*ts701> info\nmodel TS701-REF-1[^\n]*\nts701> $/, mark)
    expect(shown).toMatch(
      /^reboot\nRebooting\.\.\.\n\n\[ {2}OK {2}\] Stopped update client\.\n\[ {2}OK {2}\] Reached target shutdown\.\nreboot: Restarting system \(reboot requested\)\n\nTS701 boot ROM 1\.2 \(mask ROM\)\nboot: slot [ab] signature OK, starting firmware 1\.0\.0 \(counter 100\)\n/,
    )
    expect(logged.some((e) => e.topic === 'console' && e.message === 'command reboot')).toBe(true)
  })

  it('factory reset: default settings and no notifications, firmware kept', async () => {
    await t.uploadBase64(setup.images.valid)
    await t.settle()
    await t.answer('set auto off')
    let mark = t.raw.length
    await t.write('factory-reset\r\n')
    const shown = await rebooted(t, mark)
    expect(shown).toMatch(/^factory-reset\nfactory reset: restoring default settings and clearing notifications; rebooting\n/)
    expect(await t.answer('settings')).toMatch(/^auto-update: on\nnotifications: on/)
    expect(await t.answer('notifications')).toBe('-- end of notifications (0) --')
    expect(await t.answer('info')).toMatch(/firmware 1\.1\.0 \(counter 110\)/)
    mark = t.raw.length
    await t.write('service restore\r\n')
    expect(await rebooted(t, mark)).toMatch(/^service restore\nservice: restoring baseline firmware; rebooting\n/)
    expect(await t.answer('info')).toMatch(/firmware 1\.0\.0 \(counter 100\)/)
    expect(await settled(t)).toMatch(/^state=idle /)
  })

  it('serves several terminals at once; each sees the restart', async () => {
    const other = await tcpTerminal(setup.consoleUrl!)
    try {
      expect(await other.answer('info')).toMatch(/^model TS701-REF-1/)
      const mark = other.raw.length
      await t.write('reboot\r\n')
      await rebooted(other, mark)
    } finally {
      other.stream.destroy()
    }
    await t.settle()
  })
})

describe('reference DUT console on a pseudo-terminal (socat)', () => {
  let setup: ReferenceSetup | undefined
  afterEach(async () => {
    await setup?.close()
    setup = undefined
  })

  async function open(path: string): Promise<{ t: Terminal; close(): Promise<void> }> {
    const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false })
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
    const t = new Terminal(port)
    return { t, close: () => new Promise<void>((resolve) => port.close(() => resolve())) }
  }

  it('exposes the console on <dir>/tty-dut; it can be opened, closed and opened again', async () => {
    setup = await createReferenceSetup({ channel: 'serial', pty: true, timeScale: FAST })
    expect(setup.ttyPath).toBe(`${setup.dir}/tty-dut`)
    expect(existsSync(setup.ttyPath!)).toBe(true)
    const first = await open(setup.ttyPath!)
    expect(await first.t.answer('info')).toMatch(/^model TS701-REF-1, firmware 1\.0\.0/)
    const mark = first.t.raw.length
    await first.t.write('reboot\r\n')
    await rebooted(first.t, mark)
    await first.close()

    const second = await open(setup.ttyPath!)
    try {
      await sleep(50)
      expect(await second.t.answer('settings')).toMatch(/^auto-update: on/)
    } finally {
      await second.close()
    }
  })

  it('defaults to a pty when socat is installed', async () => {
    setup = await createReferenceSetup({ channel: 'serial', timeScale: FAST })
    expect(setup.ttyPath).toBeDefined()
    const { t, close } = await open(setup.ttyPath!)
    try {
      expect(await t.answer('update status')).toMatch(/^state=\S+ version=1\.0\.0/)
    } finally {
      await close()
    }
  })

  it('fails with the Debian package to install when a pty is wanted and socat is missing', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      await expect(createReferenceSetup({ channel: 'serial', pty: true, timeScale: FAST })).rejects.toThrow(
        /socat is not installed: install the Debian package socat/,
      )
    } finally {
      process.env.PATH = path
    }
  })
})
