import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEachTest } from '../../hooks.ts'
import type { Dut, ImageSource } from '../../../core/dut.ts'
import { EvidenceLog, type RecordedEntry } from '../../../core/evidence.ts'
import { createSerialDut } from '../../../adapters/serial/index.ts'
import type { SerialAdapterConfig, SerialDutProfile, SerialOperationMap } from '../../../adapters/serial/profile.ts'
import { ptyPair, type PtyPair } from '../../pty.ts'
import { FakeConsole, onPty, onTcp, type FakeConsoleOptions } from './device.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEachTest(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** The operations of the fake device, as a profile would declare them. */
export const OPERATIONS: SerialOperationMap = {
  identify: { send: 'identify', expect: String.raw`Model:\s+(?<model>.+?)\s*$[\s\S]*?^Firmware:\s+(?<version>\S+)` },
  'read-settings': { send: 'settings', expect: String.raw`auto-update:\s+(?<automaticUpdates>\w+)\s*\n\s*notify:\s+(?<notifications>\w+)` },
  'change-settings': {
    'enable-automatic-updates': { send: 'set auto on', expect: 'auto-update set to on' },
    'disable-automatic-updates': { send: 'set auto off', expect: 'auto-update set to off' },
  },
  'check-now': { send: 'check', expect: 'no update available|update found' },
  'read-notifications': { send: 'notifications', item: String.raw`^\[(?<time>[^\]]+)\] (?<kind>\w+): (?<text>.+)$`, end: '^-- end --$' },
  'read-outcome': {
    send: 'update status',
    expect: String.raw`^update: (?<state>\w+)(?: (?<version>[^\s(]\S*))?(?: \((?<detail>[^)]*)\))?`,
    states: { installed: ['installed'], rejected: ['rejected', 'failed'], pending: ['pending', 'downloading'] },
    intervalMs: 50,
    timeoutMs: 3000,
  },
  reboot: { send: 'reboot', expect: 'rebooting', readyTimeoutMs: 5000 },
}

export function profile(
  port: string,
  operations: SerialOperationMap = OPERATIONS,
  adapter: Partial<SerialAdapterConfig> = {},
): SerialDutProfile {
  return {
    file: 'test/dut.yaml',
    name: 'fake console',
    adapter: {
      kind: 'serial',
      port,
      baudRate: 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      lineEnding: '\r\n',
      prompt: '^dut> $',
      timeouts: { defaultMs: 1500, operations: {} },
      ...adapter,
    },
    timeScale: 1,
    observationSeconds: 600,
    operations,
    mechanisms: {},
    publications: [],
    source: { file: 'test/dut.yaml', line: 1, column: 1 },
  }
}

/** A pty pair, closed after the test. */
export async function pty(): Promise<PtyPair> {
  const pair = await ptyPair()
  cleanups.push(() => pair.close())
  return pair
}

/** A fake device on end `b` of a fresh pty pair; the adapter goes on end `a`. */
export async function deviceOnPty(options: FakeConsoleOptions = {}): Promise<{ device: FakeConsole; pair: PtyPair }> {
  const pair = await pty()
  const device = await onPty(pair.b, new FakeConsole(options))
  cleanups.push(() => device.stop())
  return { device, pair }
}

/** A fake device behind a loopback TCP server (the `tcp://` form). */
export async function deviceOnTcp(
  options: FakeConsoleOptions = {},
): Promise<{ device: FakeConsole; url: string; server: Awaited<ReturnType<typeof onTcp>> }> {
  const device = new FakeConsole(options)
  const server = await onTcp(device)
  cleanups.push(async () => {
    await device.stop()
    await server.close()
  })
  return { device, url: server.url, server }
}

/** An adapter for the profile with an in-memory evidence log; closed after the test. */
export function dutFor(
  p: SerialDutProfile,
  env: NodeJS.ProcessEnv = {},
): { dut: Dut; evidence: EvidenceLog; entries: () => RecordedEntry[] } {
  const evidence = new EvidenceLog()
  const dut = createSerialDut(p, { evidence, env })
  cleanups.push(() => dut.close())
  return { dut, evidence, entries: () => evidence.since(0) }
}

/** The line log of the evidence: direction and text of every console line. */
export function lines(entries: RecordedEntry[]): Array<{ direction: string; text: string; cleaned?: boolean; partial?: boolean }> {
  return entries
    .filter((e) => e.channel === 'serial' && (e.detail?.direction === 'sent' || e.detail?.direction === 'received'))
    .map((e) => ({
      direction: e.detail!.direction as string,
      text: e.detail!.text as string,
      ...(e.detail!.cleaned ? { cleaned: true } : {}),
      ...(e.detail!.partial ? { partial: true } : {}),
    }))
}

/** A temporary folder removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ts701-serial-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A file of pseudo-random bytes, written in pieces, as an ImageSource. */
export async function imageFile(dir: string, name: string, size: number): Promise<ImageSource> {
  const path = join(dir, `${name}.bin`)
  const hash = createHash('sha256')
  const out = createWriteStream(path)
  let x = 0x12345678
  for (let written = 0; written < size;) {
    const piece = Buffer.alloc(Math.min(1 << 20, size - written))
    for (let i = 0; i < piece.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      piece[i] = x >>> 24
    }
    hash.update(piece)
    written += piece.length
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  return { name, path, size, sha256: hash.digest('hex') }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the promise to reject')
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
