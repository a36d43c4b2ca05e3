import { readFile } from 'node:fs/promises'
import { createDut, profileSecrets, type DutOptions } from '../adapters/index.ts'
import type { Dut, DutIdentity } from '../core/dut.ts'
import { EvidenceLog } from '../core/evidence.ts'
import { UpdateServerEmulator, type OfferedImage } from '../emulator/index.ts'
import { hashFile } from '../fixtures/hash.ts'
import type { DutProfile, ImageRef } from '../profile/types.ts'
import type { LabPayload } from './functional.ts'

/**
 * Everything the functional checks of one run share: the device, the update-server emulator,
 * the evidence log, and experiments whose results several units read.
 */
export interface Session {
  lab: LabPayload
  profile: DutProfile
  dut: Dut
  evidence: EvidenceLog
  /** Whether long waits may draw a countdown on stderr: the person running ts701 watches a terminal. */
  progress: boolean
  /** Started on first use, on the address the DUT is configured to poll. */
  emulator(): Promise<UpdateServerEmulator>
  /** What the device reported the first time an experiment asked: the software to return to. */
  baseline(): Promise<DutIdentity>
  valid(): Promise<OfferedImage>
  older(): Promise<OfferedImage | undefined>
  /** Runs an experiment once per run; every later caller gets the same result. */
  once<T>(key: string, experiment: () => Promise<T>): Promise<T>
}

export interface SessionOptions {
  lab: LabPayload
  progress: boolean
  /** Builds the device handle; tests hand in a fake. */
  createDut?: (profile: DutProfile, options: DutOptions) => Dut
}

async function offered(ref: ImageRef, name: string): Promise<OfferedImage> {
  const { sha256, size } = await hashFile(ref.file)
  return { name, path: ref.file, size, sha256, version: ref.version }
}

async function startEmulator(profile: DutProfile, evidence: EvidenceLog): Promise<UpdateServerEmulator> {
  const server = profile.updateServer
  if (!server) throw new Error('the DUT profile declares no updateServer')
  const tls = server.tls && {
    certPem: await readFile(server.tls.certFile, 'utf8'),
    keyPem: await readFile(server.tls.keyFile, 'utf8'),
  }
  return UpdateServerEmulator.start({
    host: server.host,
    port: server.port,
    routes: server.routes,
    imagePath: server.imagePath,
    evidence,
    ...(tls && { tls }),
    ...(server.pollInterval && { pollInterval: server.pollInterval }),
  })
}

/**
 * One run's session. It owns the device handle, the emulator and the evidence log from `start`
 * to `stop`; `stop` closes whatever was opened, whatever else failed, and may be called twice.
 */
export class RunSession implements Session {
  readonly profile: DutProfile
  readonly progress: boolean
  private readonly memo = new Map<string, Promise<unknown>>()
  private server: Promise<UpdateServerEmulator> | undefined
  private observed: DutIdentity | undefined
  private stopping: Promise<void> | undefined

  private constructor(
    readonly lab: LabPayload,
    readonly evidence: EvidenceLog,
    readonly dut: Dut,
    progress: boolean,
  ) {
    this.profile = lab.profile
    this.progress = progress
  }

  /**
   * Opens the evidence log and the device handle; the emulator waits for its first use, so a run
   * whose units never need an update server does not claim its port.
   */
  static async start(options: SessionOptions): Promise<RunSession> {
    const { lab } = options
    const evidence = new EvidenceLog(lab.evidenceFile, profileSecrets(lab.profile, lab.credentials))
    const dut = (options.createDut ?? createDut)(lab.profile, { evidence, env: lab.credentials })
    return new RunSession(lab, evidence, dut, options.progress)
  }

  /** The baseline identity, once an experiment has asked for it. */
  get observedDut(): DutIdentity | undefined {
    return this.observed
  }

  emulator(): Promise<UpdateServerEmulator> {
    if (this.stopping) return Promise.reject(new Error('the run session is stopped'))
    this.server ??= startEmulator(this.profile, this.evidence)
    return this.server
  }

  baseline(): Promise<DutIdentity> {
    return this.once('baseline', async () => (this.observed = await this.dut.identify()))
  }

  valid(): Promise<OfferedImage> {
    const valid = this.profile.images?.valid
    return this.once('image:valid', async () => {
      if (!valid) throw new Error('the DUT profile names no valid image')
      return offered(valid, 'valid-image')
    })
  }

  older(): Promise<OfferedImage | undefined> {
    const older = this.profile.images?.older
    return this.once('image:older', async () => (older ? offered(older, 'older-image') : undefined))
  }

  once<T>(key: string, experiment: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) this.memo.set(key, experiment())
    return this.memo.get(key) as Promise<T>
  }

  stop(): Promise<void> {
    this.stopping ??= this.close()
    return this.stopping
  }

  private async close(): Promise<void> {
    const server = this.server
    const outcomes = await Promise.allSettled([
      // An emulator that never came up has nothing to close; its start error was reported where it was needed.
      server?.then((s) => s.close(), () => undefined),
      this.dut.close(),
    ])
    // The evidence log appends synchronously: nothing of it is left to flush.
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []))
    if (errors.length) {
      const text = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
      throw new AggregateError(errors, `closing the run session: ${text}`)
    }
  }
}
