import { createDut, profileSecrets, type DutOptions } from '../adapters/index.ts'
import { missByCode, problemOf } from '../adapters/kit/miss.ts'
import { waitUntilAnswering, type RestartOp } from '../adapters/kit/ready.ts'
import { BenchError } from '../bench/errors.ts'
import { perform, planFor, readyTimeoutMs, RESTARTS, type BenchAction, type BenchContext, type BenchPlan } from '../bench/actions.ts'
import { sleep } from '../core/duration.ts'
import { DutError, type BaselineIdentity, type Dut } from '../core/dut.ts'
import { LabFaultError } from '../core/errors.ts'
import { EvidenceLog } from '../core/evidence.ts'
import { UpdateServerEmulator, updateServerTiming, type OfferedImage } from '../emulator/index.ts'
import { imageSource } from '../fixtures/source.ts'
import type { DutProfile, ImageRef } from '../profile/types.ts'
import type { LabPayload } from './functional.ts'
import { asLabFault } from './lab-fault.ts'
import { Observer, required, type SessionObserve } from './observe/index.ts'

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
  /**
   * What the device showed the first time an experiment asked: the software to return to. Read
   * through identify, or through `observe` for a device without it; a failed reading is tried
   * again by the next caller (a device that was still booting is not written off for the run).
   */
  baseline(): Promise<BaselineIdentity>
  valid(): Promise<OfferedImage>
  older(): Promise<OfferedImage | undefined>
  /** Runs an experiment once per run; every later caller gets the same result. */
  once<T>(key: string, experiment: () => Promise<T>): Promise<T>
  /**
   * Where the judges read the version, the outcome of an installation, update checks and signs of
   * life: the device operations, or what the profile's `observe` section names (harness/observe/).
   */
  observe: SessionObserve
  /**
   * Reboots, power-cycles, restores, resets the device or makes it check for updates, the way
   * the profile says (bench/actions.ts); after a restart it resolves once the device answers again.
   */
  act(action: BenchAction): Promise<Acted>
  /** Whether the profile declares a way to do the action (bench step or device operation). */
  supportsAction(action: BenchAction): boolean
  /** Who does the action in this run: the device, a lab command, an operator; undefined where none is declared. */
  actionBy(action: BenchAction): BenchPlan['by'] | undefined
}

export interface SessionOptions {
  lab: LabPayload
  progress: boolean
  /** Builds the device handle; tests hand in a fake. */
  createDut?: (profile: DutProfile, options: DutOptions) => Dut | Promise<Dut>
  /** Where manual bench steps ask the operator. Default /dev/tty; tests hand in a pseudo-terminal. */
  terminal?: string
}

/**
 * Does a bench action; after a restart the bench did (a command, an operator) it waits until the
 * device answers identify again, as the adapters wait after their own restarts (adapters/kit):
 * a device operation has waited already (the Dut contract), the bench cannot tell when the device
 * is back. Without identify there is nothing to wait on; the experiment's next step will tell.
 */
async function benchAct(ctx: BenchContext, action: BenchAction): Promise<Acted> {
  const startedAt = Date.now()
  const plan = await perform(ctx, action)
  const acted: Acted = { by: plan.by, startedAt, doneAt: Date.now() }
  if (plan.by === 'operation' || !RESTARTS.has(action) || !ctx.dut.supports('identify')) return acted
  // The kit names the restart it waits for; a power cycle waits as a reboot does.
  const op: RestartOp = action === 'restore' || action === 'factory-reset' ? action : 'reboot'
  const how = `${action} (${plan.by})`
  try {
    await waitUntilAnswering({
      op,
      readyTimeoutMs: readyTimeoutMs(ctx, action, plan),
      asks: 'identify',
      probe: async () => {
        await ctx.dut.identify()
      },
      missOf: missByCode,
      note: (summary, detail) => ctx.evidence.record({ channel: 'bench', summary: `${how}${summary.slice(op.length)}`, detail }),
    })
  } catch (err) {
    if (err instanceof DutError && err.operation === op && err.code === 'E_DUT_TIMEOUT')
      throw new DutError(err.code, 'identify', `after ${how}: ${problemOf(err)}`)
    throw err
  }
  return acted
}

/** How a bench action was done, and when its step was over (before any wait for the device). */
export interface Acted {
  by: BenchPlan['by']
  /** Epoch ms: when the step began. */
  startedAt: number
  /** Epoch ms: a device operation's return, a command's exit, the operator's Enter. */
  doneAt: number
}

/**
 * benchAct, and for a device without identify the wait benchAct cannot do: after a restart the bench
 * did, the device is seen back by what the profile observes of it (a request to the emulator, a
 * message, a probe). Without any such source the experiment's next reading will tell.
 */
export async function actAndWait(ctx: BenchContext, observe: SessionObserve, action: BenchAction): Promise<Acted> {
  const acted = await benchAct(ctx, action)
  const plan = planFor(ctx, action)!
  // What the device sent before the bench step was over may come from before the restart, except
  // after power-on: the device was off until it began.
  const since = action === 'power-on' ? acted.startedAt : acted.doneAt
  if (plan.by === 'operation' || !RESTARTS.has(action) || ctx.dut.supports('identify')) return acted
  if (observe.sources.alive === undefined) return acted
  const waitMs = readyTimeoutMs(ctx, action, plan)
  await observe.listen()
  const alive = await observe.alive({ since, waitMs })
  const how = `${action} (${plan.by})`
  if (alive.observed && alive.value) {
    ctx.evidence.record({
      channel: 'bench',
      summary: `${how}: the device showed life again after ${((alive.at - since) / 1000).toFixed(1)} s (${alive.source})`,
      detail: { evidence: alive.evidence },
    })
    return acted
  }
  const why = alive.observed ? (alive.detail ?? 'no sign of life') : alive.reason
  throw new BenchError('E_BENCH_NOT_BACK', `after ${how}: the device showed no sign of life within ${waitMs} ms (${why})`)
}

/** The baseline as the profile shows it: identify where the version is read that way, else the observed version. */
export async function readBaseline(dut: Dut, observe: SessionObserve): Promise<BaselineIdentity> {
  if (observe.sources.version === 'operation' && dut.supports('identify')) {
    const { model, version } = await dut.identify()
    return { model, version, source: 'the identify operation' }
  }
  const version = required(await observe.version(), 'version')
  return { version: version.value, source: version.source }
}

export const benchSupports = (ctx: BenchContext, action: BenchAction): boolean => planFor(ctx, action) !== undefined

export const benchActionBy = (ctx: BenchContext, action: BenchAction): BenchPlan['by'] | undefined => planFor(ctx, action)?.by

async function offered(ref: ImageRef, name: string): Promise<OfferedImage> {
  const source = await imageSource(ref, name).catch((err: unknown) => {
    throw new LabFaultError(`cannot read the ${name} files: ${err instanceof Error ? err.message : String(err)}`)
  })
  return { ...source, version: ref.version }
}

async function startEmulator(profile: DutProfile, evidence: EvidenceLog): Promise<UpdateServerEmulator> {
  const server = profile.updateServer
  if (!server) throw new Error('the DUT profile declares no updateServer')
  return UpdateServerEmulator.fromProfile(server, { evidence }).catch((err: unknown) => {
    throw asLabFault(err) ?? err
  })
}

/** Between tries of the restore after an interruption: about what a restarting device asks for (Retry-After). */
const RESTORE_RETRY_MS = 1000

/**
 * One run's session. It owns the device handle, the emulator and the evidence log from `start`
 * to `stop`; `stop` closes whatever was opened, whatever else failed, and may be called twice.
 */
export class RunSession implements Session {
  readonly profile: DutProfile
  readonly progress: boolean
  private readonly memo = new Map<string, Promise<unknown>>()
  private server: Promise<UpdateServerEmulator> | undefined
  private observed: BaselineIdentity | undefined
  private baselineRead: Promise<BaselineIdentity> | undefined
  private stopping: Promise<void> | undefined
  private interrupting: Promise<void> | undefined
  private readonly bench: BenchContext
  readonly observe: Observer

  private constructor(
    readonly lab: LabPayload,
    readonly evidence: EvidenceLog,
    readonly dut: Dut,
    progress: boolean,
    terminal: string | undefined,
  ) {
    this.profile = lab.profile
    this.progress = progress
    // Lab commands get the secrets the profile names, never the rest of the worker's environment.
    this.bench = { profile: lab.profile, dut, evidence, env: lab.credentials, ...(terminal !== undefined && { terminal }) }
    this.observe = new Observer({ profile: lab.profile, dut, evidence, emulator: () => this.emulator(), credentials: lab.credentials })
  }

  /**
   * Opens the evidence log and the device handle; the emulator waits for its first use, so a run
   * whose units never need an update server does not claim its port.
   */
  static async start(options: SessionOptions): Promise<RunSession> {
    const { lab } = options
    const evidence = new EvidenceLog(lab.evidenceFile, profileSecrets(lab.profile, lab.credentials))
    const dut = await (options.createDut ?? createDut)(lab.profile, { evidence, env: lab.credentials })
    const session = new RunSession(lab, evidence, dut, options.progress, options.terminal)
    try {
      await session.listenEarly()
    } catch (err) {
      await session.stop().catch(() => undefined)
      throw err
    }
    return session
  }

  /**
   * A device that polls on its own schedule may try before the first experiment, and many back
   * off for minutes after a refused connection: where the profile says so, the emulator listens
   * from the start and the run waits for the device's first contact.
   */
  private async listenEarly(): Promise<void> {
    const server = this.profile.updateServer
    if (!server) return
    const timing = updateServerTiming(server)
    if (!timing.listenAtStart) return
    const emulator = await this.emulator()
    if (timing.firstContactSeconds === undefined) return
    const waitMs = (timing.firstContactSeconds * 1000) / this.profile.timeScale
    const contact = await emulator.waitForFirstContact(waitMs)
    this.evidence.record({
      channel: 'harness',
      summary: contact
        ? 'the device contacted the update server'
        : `no contact with the update server within ${timing.firstContactTimeout}`,
      detail: { waitMs },
    })
  }

  /** The baseline identity, once an experiment has asked for it. */
  get observedDut(): BaselineIdentity | undefined {
    return this.observed
  }

  emulator(): Promise<UpdateServerEmulator> {
    if (this.stopping) return Promise.reject(new Error('the run session is stopped'))
    this.server ??= startEmulator(this.profile, this.evidence)
    return this.server
  }

  baseline(): Promise<BaselineIdentity> {
    this.baselineRead ??= readBaseline(this.dut, this.observe).then(
      (identity) => (this.observed = identity),
      (err: unknown) => {
        this.baselineRead = undefined
        throw err
      },
    )
    return this.baselineRead
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

  act(action: BenchAction): Promise<Acted> {
    return actAndWait(this.bench, this.observe, action)
  }

  supportsAction(action: BenchAction): boolean {
    return benchSupports(this.bench, action)
  }

  actionBy(action: BenchAction): BenchPlan['by'] | undefined {
    return benchActionBy(this.bench, action)
  }

  stop(): Promise<void> {
    this.stopping ??= this.close()
    return this.stopping
  }

  /**
   * The run was interrupted: no further image reaches the device, the device goes back to its
   * baseline where the profile says how (a lab must not find a half-tested device on the bench),
   * and everything is closed. The unit still running fails on the closed handles; the main process
   * no longer counts any verdict that comes after the interruption.
   */
  interrupt(): Promise<void> {
    this.interrupting ??= this.windDown()
    return this.interrupting
  }

  private async windDown(): Promise<void> {
    this.evidence.record({ channel: 'harness', summary: 'the run was interrupted: the device experiments stop here' })
    await this.server?.then(
      (s) => s.close(),
      () => undefined,
    )
    if (this.supportsAction('restore')) {
      const at = Date.now()
      await this.restoreAfterInterruption().then(
        (tries) =>
          this.evidence.record({
            channel: 'harness',
            summary: 'restored the device after the interruption',
            detail: { ms: Date.now() - at, ...(tries > 1 && { tries }) },
          }),
        (err: unknown) =>
          this.evidence.record({
            channel: 'harness',
            summary: `could not restore the device after the interruption: ${err instanceof Error ? err.message : String(err)}`,
          }),
      )
    }
    await this.stop().catch(() => undefined)
  }

  /**
   * The interrupted unit may have left the device restarting (its own reboot or reset was under
   * way): a device that is not there right now is asked again until the restore's ready time is
   * up, as a wait for a restarting device would. Anything else ends it at once. Returns how many
   * tries it took.
   */
  private async restoreAfterInterruption(): Promise<number> {
    const deadline = Date.now() + readyTimeoutMs(this.bench, 'restore', planFor(this.bench, 'restore')!)
    for (let tries = 1; ; tries++) {
      try {
        await perform(this.bench, 'restore')
        return tries
      } catch (err) {
        if (missByCode(err) !== 'no-answer' || Date.now() + RESTORE_RETRY_MS > deadline) throw err
        await sleep(RESTORE_RETRY_MS)
      }
    }
  }

  private async close(): Promise<void> {
    const server = this.server
    const outcomes = await Promise.allSettled([
      // An emulator that never came up has nothing to close; its start error was reported where it was needed.
      server?.then(
        (s) => s.close(),
        () => undefined,
      ),
      this.dut.close(),
      this.observe.close(),
    ])
    // The evidence log appends synchronously: nothing of it is left to flush.
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []))
    if (errors.length) {
      const text = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
      throw new AggregateError(errors, `closing the run session: ${text}`)
    }
  }
}
