import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEachTest } from '../../hooks.ts'
import type { Dut, ImageSource } from '../../../core/dut.ts'
import { EvidenceLog, type RecordedEntry } from '../../../core/evidence.ts'
import { createSerialDut } from '../../../adapters/serial/index.ts'
import type { SerialDutProfile } from '../../../adapters/serial/profile.ts'
import { ptyPair, type PtyPair } from '../../pty.ts'
import { FakeConsole, onPty, onTcp, type FakeConsoleOptions } from './device.ts'

// Kept apart from this module, which loads serialport through the fake consoles.
export { OPERATIONS, profile } from './profiles.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEachTest(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

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
