/**
 * The RG-300 gateway of examples/rauc-console, built around Debian's RAUC 1.8: `rauc service` on
 * a D-Bus of its own, two file-backed raw slots, and a boot loader that is a script keeping its
 * choice in files (RAUC's `custom` backend), so an installation switches the slot the next boot
 * runs. Its console (rauc-console.ts) is served on a loopback TCP port, as ser2net exports a UART,
 * and optionally on a pseudo-terminal joined to it by socat. Its power comes from a relay the lab
 * bench (the example's bench.mjs) switches through a Unix socket: off stops the service, on boots
 * it from the slot the boot loader names. Everything lives in one folder, stopped by PID.
 */
import { chmod, copyFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { exposeOnPty, type PtyBridge } from '../../sim/pty.ts'
import { tempDir } from '../cli/helpers.ts'
import { vendorCertificate } from '../fixtures/swu-build.ts'
import { ConsoleSession, PROMPT, type ConsoleHost } from './rauc-console.ts'
import { daemon, raucBundle, spawned, systemConf, waitForService } from './rauc.ts'

const EXAMPLE = 'examples/rauc-console'
export const COMPATIBLE = 'rg-300'
export const BASELINE = '1.0.0'

export interface RaucDevice {
  dir: string
  /** The example profile, pointed at this device's console. */
  profile: string
  consolePort: number
  /** The console's pseudo-terminal, when one was asked for. */
  tty?: string
  /** What the service and the bus printed, for a failing test's message. */
  log(): string
  stop(): Promise<void>
}

/** The boot loader: its environment is the files in state/boot, as fw_setenv would keep it. */
const BOOT_BACKEND = `#!/bin/sh
b="$(dirname "$0")/../state/boot"
case "$1" in
  get-primary) cat "$b/primary" ;;
  set-primary) printf '%s\\n' "$2" > "$b/primary" ;;
  get-state) cat "$b/state-$2" 2>/dev/null || echo good ;;
  set-state) printf '%s\\n' "$3" > "$b/state-$2" ;;
  *) echo "boot-backend: unknown command $1" >&2; exit 1 ;;
esac
`

/** A root file system image whose first line names its version (what the slots hold). */
const rootfs = (version: string) => Buffer.alloc(200_000, `VERSION=${version}\n`)

async function prepare(dir: string): Promise<{ cert: string; key: string }> {
  for (const sub of ['keys', 'images', 'bin', 'build', 'state/boot', 'state/data', 'state/mnt', 'state/tmp']) {
    await mkdir(join(dir, sub), { recursive: true })
  }
  const [cert, key] = [join(dir, 'keys', 'vendor.crt'), join(dir, 'keys', 'vendor.key')]
  await vendorCertificate({ cert, key }, { subject: 'RG-300 update signing' })
  const state = join(dir, 'state')
  await writeFile(join(state, 'baseline.img'), rootfs(BASELINE))
  for (const slot of ['A', 'B']) {
    await writeFile(join(state, `slot-${slot}.img`), '')
    await truncate(join(state, `slot-${slot}.img`), 1 << 20)
  }
  await writeFile(join(state, 'slot-A.img'), rootfs(BASELINE))
  await writeFile(join(state, 'boot', 'primary'), 'A\n')
  await writeFile(join(dir, 'bin', 'boot-backend'), BOOT_BACKEND)
  await chmod(join(dir, 'bin', 'boot-backend'), 0o755)
  await writeFile(
    join(dir, 'system.conf'),
    systemConf(state, { compatible: COMPATIBLE, keyring: cert, bootBackend: join(dir, 'bin', 'boot-backend') }),
  )
  for (const [name, version] of [
    ['valid-1.1.0', '1.1.0'],
    ['older-0.9.0', '0.9.0'],
  ] as const) {
    const built = await raucBundle(join(dir, 'build'), { cert, key }, name, { version, compatible: COMPATIBLE })
    await copyFile(built, join(dir, 'images', `${name}.raucb`))
  }
  await copyFile(join(EXAMPLE, 'bench.mjs'), join(dir, 'bench.mjs'))
  return { cert, key }
}

const listen = (server: Server, at: number | string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    if (typeof at === 'string') server.listen(at, resolve)
    else server.listen(at, '127.0.0.1', resolve)
  })

/** Builds the gateway's folder, boots it from slot A on the baseline, and serves its console. */
export async function startRaucDevice(o: { pty?: boolean } = {}): Promise<RaucDevice> {
  const dir = await tempDir('rauc-device')
  await prepare(dir)
  const state = join(dir, 'state')
  const address = `unix:path=${join(state, 'bus')}`
  const env = { PATH: process.env.PATH, TMPDIR: join(state, 'tmp'), DBUS_SESSION_BUS_ADDRESS: address, DBUS_STARTER_BUS_TYPE: 'session' }
  const bus = daemon(['dbus-daemon', '--session', `--address=${address}`, '--nofork', '--nopidfile'], env)
  await spawned(bus.child)

  let service: ReturnType<typeof daemon> | undefined
  let serviceLog = ''
  let power: 'on' | 'off' | 'booting' = 'off'
  const sessions = new Set<ConsoleSession>()
  const sockets = new Set<Socket>()
  const broadcast = (text: string) => {
    for (const s of sockets) s.write(text)
  }
  const slotBooted = async () => (await readFile(join(state, 'boot', 'primary'), 'utf8')).trim()

  const powerOff = async () => {
    power = 'off'
    for (const s of sessions) s.reset()
    if (service) {
      await service.stop()
      serviceLog += service.said()
      service = undefined
    }
  }
  const powerOn = async () => {
    if (power !== 'off') return
    power = 'booting'
    const slot = await slotBooted()
    broadcast(`\r\nU-Boot: booting slot ${slot}\r\n`)
    service = daemon(
      ['rauc', 'service', `--conf=${join(dir, 'system.conf')}`, `--mount=${join(state, 'mnt')}`, `--override-boot-slot=${slot}`],
      env,
    )
    await spawned(service.child)
    await waitForService(env, () => `${bus.said()}${service?.said() ?? ''}`)
    power = 'on'
    broadcast(`rauc-service: started, booted from slot ${slot}\r\n${PROMPT}`)
  }
  // One power change at a time, in the order asked: a relay is a single switch.
  let switching: Promise<void> = Promise.resolve()
  const switchPower = (what: 'off' | 'on' | 'cycle'): Promise<void> => {
    switching = switching.then(async () => {
      if (what !== 'on') await powerOff()
      if (what !== 'off') await powerOn()
    })
    return switching
  }

  const host: ConsoleHost = {
    powered: () => power === 'on',
    release: async () => {
      const slot = await slotBooted()
      const head = (await readFile(join(state, `slot-${slot}.img`))).subarray(0, 64).toString('latin1')
      return { version: /^VERSION=(\S+)/.exec(head)?.[1] ?? 'unknown', slot }
    },
    env,
    uploadPath: join(state, 'tmp', 'update.raucb'),
    reboot: () => {
      power = 'booting'
      broadcast('reboot: Restarting system\r\n')
      void switchPower('cycle').catch((err) => broadcast(`boot failed: ${String(err)}\r\n`))
    },
  }

  const uart = createServer((socket) => {
    const session = new ConsoleSession(host, (text) => socket.write(text))
    sessions.add(session)
    sockets.add(socket)
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => session.received(d))
    socket.on('error', () => {})
    socket.on('close', () => {
      sessions.delete(session)
      sockets.delete(socket)
    })
  })
  const relay = createServer((socket) => {
    socket.setEncoding('utf8')
    socket.once('data', (d: string) => {
      const what = d.trim()
      if (what !== 'on' && what !== 'off' && what !== 'cycle') {
        socket.end(`relay: unknown command ${JSON.stringify(what)}\n`)
        return
      }
      switchPower(what).then(
        () => socket.end(`relay: ${what} done\n`),
        (err) => socket.end(`relay: ${what} failed: ${String(err)}\n`),
      )
    })
    socket.on('error', () => {})
  })
  let bridge: PtyBridge | undefined
  const stop = async () => {
    await bridge?.close()
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => uart.close(() => resolve()))
    await new Promise<void>((resolve) => relay.close(() => resolve()))
    await powerOff()
    await bus.stop()
  }
  try {
    await listen(uart, 0)
    await listen(relay, join(state, 'relay.sock'))
    await switchPower('on')
    const consolePort = (uart.address() as { port: number }).port
    bridge = o.pty ? await exposeOnPty(consolePort, join(dir, 'tty-console')) : undefined
    const doc = parseDocument(await readFile(join(EXAMPLE, 'profile.yaml'), 'utf8'))
    doc.setIn(['adapter', 'port'], bridge?.path ?? `tcp://127.0.0.1:${consolePort}`)
    const profile = join(dir, 'profile.yaml')
    await writeFile(profile, doc.toString())
    return {
      dir,
      profile,
      consolePort,
      ...(bridge && { tty: bridge.path }),
      log: () => `${bus.said()}${serviceLog}${service?.said() ?? ''}`,
      stop,
    }
  } catch (err) {
    await stop()
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
