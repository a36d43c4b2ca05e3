/**
 * RAUC as an update agent: Debian's `rauc service` on a D-Bus of its own (a session bus in the
 * agent's folder, never the machine's system bus), with two file-backed raw slots and the vendor's
 * certificate as its keyring. Installations go through `rauc install`, the client a lab reaches
 * over the device's console, so the service's own checks decide: signature, compatible, hashes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tempDir } from '../cli/helpers.ts'
import { vendorCertificate } from '../fixtures/swu-build.ts'

const run = promisify(execFile)
export const COMPATIBLE = 'ts701-ref-hw1'

export interface RaucAgent {
  dir: string
  /** The vendor's signing certificate (the agent's keyring) and key, PEM files. */
  cert: string
  key: string
  /** `rauc install <bundle>` through the agent's bus: whether it succeeded, and RAUC's last error. */
  install(bundle: string): Promise<{ ok: boolean; said: string }>
  /** Builds a bundle the vendor way (`rauc bundle`) for this agent's compatible, or another. */
  bundle(name: string, o: { version: string; compatible?: string }): Promise<string>
  /** What the service printed, for a failing test's message. */
  log(): string
  stop(): Promise<void>
}

/**
 * RAUC's system.conf for two file-backed raw slots in `dir` (slot-A.img, slot-B.img). `noop`: no
 * bootloader to switch, the slot written is all an installation leaves behind; `custom`: the
 * given script keeps the boot choice, as a device's boot loader environment would.
 */
export function systemConf(dir: string, o: { compatible: string; keyring: string; bootBackend?: string }): string {
  const slot = (n: number, bootname: string) =>
    `[slot.rootfs.${n}]\ndevice=${join(dir, `slot-${bootname}.img`)}\ntype=raw\nbootname=${bootname}\n`
  const boot = o.bootBackend ? `bootloader=custom` : 'bootloader=noop'
  const handlers = o.bootBackend ? `[handlers]\nbootloader-custom-backend=${o.bootBackend}\n\n` : ''
  return `[system]\ncompatible=${o.compatible}\n${boot}\ndata-directory=${join(dir, 'data')}\n\n[keyring]\npath=${o.keyring}\n\n${handlers}${slot(0, 'A')}\n${slot(1, 'B')}`
}

/** Spawns a daemon, keeps the tail of its output, and stops it with SIGTERM (SIGKILL after 3 s). */
export function daemon(argv: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; said: () => string; stop: () => Promise<void> } {
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let said = ''
  const keep = (d: Buffer) => (said = (said + d.toString()).slice(-20_000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  return { child, said: () => said, stop }
}

export const spawned = (child: ChildProcess) =>
  new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject) // not installed: scripts/system-deps.sh installs rauc and dbus
  })

export async function startRauc(): Promise<RaucAgent> {
  const dir = await tempDir('rauc-agent')
  for (const sub of ['data', 'mnt', 'tmp', 'build']) await mkdir(join(dir, sub))
  for (const bootname of ['A', 'B']) {
    await writeFile(join(dir, `slot-${bootname}.img`), '')
    await truncate(join(dir, `slot-${bootname}.img`), 1 << 20)
  }
  const [cert, key] = [join(dir, 'vendor.crt'), join(dir, 'vendor.key')]
  await vendorCertificate({ cert, key })
  await writeFile(join(dir, 'system.conf'), systemConf(dir, { compatible: COMPATIBLE, keyring: cert }))

  const address = `unix:path=${join(dir, 'bus')}`
  const env = { PATH: process.env.PATH, TMPDIR: join(dir, 'tmp'), DBUS_SESSION_BUS_ADDRESS: address, DBUS_STARTER_BUS_TYPE: 'session' }
  const bus = daemon(['dbus-daemon', '--session', `--address=${address}`, '--nofork', '--nopidfile'], env)
  await spawned(bus.child)
  const service = daemon(
    ['rauc', 'service', `--conf=${join(dir, 'system.conf')}`, `--mount=${join(dir, 'mnt')}`, '--override-boot-slot=A'],
    env,
  )
  const stop = async () => {
    await service.stop()
    await bus.stop()
  }
  try {
    await spawned(service.child)
    await waitForService(env, () => `${bus.said()}${service.said()}`)
  } catch (err) {
    await stop()
    throw err
  }

  const rauc = async (args: string[]): Promise<{ ok: boolean; said: string }> => {
    try {
      const { stdout, stderr } = await run('rauc', args, { env })
      return { ok: true, said: `${stdout}${stderr}` }
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string }
      return { ok: false, said: `${e.stdout ?? ''}${e.stderr ?? ''}` }
    }
  }
  return {
    dir,
    cert,
    key,
    install: async (bundle) => {
      const r = await rauc(['install', bundle])
      return { ok: r.ok, said: /LastError: (.*)/.exec(r.said)?.[1] ?? r.said.trim().split('\n').at(-1) ?? '' }
    },
    bundle: (name, o) => raucBundle(join(dir, 'build'), { cert, key }, name, { compatible: COMPATIBLE, ...o }),
    log: () => service.said(),
    stop,
  }
}

/**
 * A bundle built the vendor way (`rauc bundle`, plain format) in `dir`: one raw image whose first
 * line names the version, as /etc/os-release would on the root file system it stands for.
 */
export async function raucBundle(
  dir: string,
  signer: { cert: string; key: string },
  name: string,
  o: { version: string; compatible: string },
): Promise<string> {
  const content = join(dir, name)
  await mkdir(content, { recursive: true })
  await writeFile(join(content, 'rootfs.img'), Buffer.alloc(200_000, `VERSION=${o.version}\n`))
  const manifest = `[update]\ncompatible=${o.compatible}\nversion=${o.version}\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n`
  await writeFile(join(content, 'manifest.raucm'), manifest)
  const out = join(dir, `${name}.raucb`)
  await run('rauc', ['bundle', '--cert', signer.cert, '--key', signer.key, content, out])
  return out
}

/**
 * What `rauc install` says when it refuses each attack ts701 derives from a bundle for
 * `compatible`: the check each attack was made to trip.
 */
export function raucRefusals(compatible: string): Record<string, RegExp> {
  return {
    'payload-byte': /signature verification failed/,
    'signature-removed': /Signature size is 0/,
    'untrusted-key': /signature verification failed: Verify error/,
    'other-hardware': new RegExp(`Compatible mismatch: Expected '${compatible}' but bundle manifest has 'ts701-other-hardware'`),
    truncated: /Invalid bundle format/,
  }
}

/** The service answers `rauc status` once it has taken its name on the bus. */
export async function waitForService(env: NodeJS.ProcessEnv, said: () => string): Promise<void> {
  const until = Date.now() + 15_000
  let last = ''
  while (Date.now() < until) {
    try {
      await run('rauc', ['status'], { env })
      return
    } catch (err) {
      last = String((err as { stderr?: string }).stderr ?? err)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error(`rauc service did not answer within 15 s: ${last.trim()}\n${said()}`)
}

/** The slot an installation writes (B, as the service runs from A), for checking what landed. */
export const inactiveSlot = (agent: RaucAgent): Promise<Buffer> => readFile(join(agent.dir, 'slot-B.img'))
