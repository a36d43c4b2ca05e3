/**
 * The HTTP adapter: a device with an HTTP API, driven as its DUT profile declares. Every request
 * goes through undici (or, with `adapter.lenient`, a raw-socket client), under a timeout, and is
 * recorded in the evidence log with credentials masked.
 */
import type { HttpDutProfile } from './profile.ts'
import { ChannelDut, type ChannelOperations } from '../channel-dut.ts'
import type { Dut, Operation } from '../../core/dut.ts'
import { DutError } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { Masker } from '../../core/mask.ts'
import { guarded, type Ctx } from './context.ts'
import { deliverImage } from './deliver.ts'
import { LenientTransport } from './lenient.ts'
import { changeSettings, checkNow, identify, readNotifications, readSettings } from './operations.ts'
import { readOutcome } from './outcome.ts'
import { HttpClient } from './request.ts'
import { restart } from './restart.ts'
import type { Transport } from './transport.ts'
import { createAgent, tlsOptions, UndiciTransport, type TlsOptions } from './undici.ts'

export interface HttpDutOptions {
  evidence: EvidenceLog
  /** Where the credentials named by `adapter.auth` are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

export function createHttpDut(profile: HttpDutProfile, options: HttpDutOptions): Dut {
  return new HttpDut(profile, options)
}

const HTTP_OPERATIONS: ChannelOperations<Ctx> = {
  identify,
  readSettings,
  changeSettings,
  deliverImage,
  readOutcome,
  readNotifications,
  checkNow,
  restart,
}

/** A CA file that cannot be read is the lab's problem, reported by every operation rather than thrown. */
function loadTls(profile: HttpDutProfile): { tls: TlsOptions; problem?: string } {
  try {
    return { tls: tlsOptions(profile.adapter) }
  } catch (err) {
    return {
      tls: { rejectUnauthorized: !profile.adapter.tls?.insecureSkipVerify },
      problem: `cannot read adapter.tls.caFile (${err instanceof Error ? err.message : String(err)})`,
    }
  }
}

function context(profile: HttpDutProfile, options: HttpDutOptions): Ctx & { transport: Transport; setupProblem?: string } {
  const masker = new Masker()
  const { tls, problem } = loadTls(profile)
  const agent = createAgent(tls, profile.adapter.timeouts.defaultMs)
  const transport = profile.adapter.lenient ? new LenientTransport(tls) : new UndiciTransport(agent)
  const env = options.env ?? process.env
  const client = new HttpClient({ profile, evidence: options.evidence, env, masker, transport })
  return { profile, client, agent, tls, env, masker, transport, ...(problem && { setupProblem: problem }) }
}

class HttpDut extends ChannelDut<ReturnType<typeof context>> {
  constructor(profile: HttpDutProfile, options: HttpDutOptions) {
    const ctx = context(profile, options)
    super(profile.operations, HTTP_OPERATIONS, ctx, ctx.masker)
  }

  async close(): Promise<void> {
    this.ctx.subscribed?.close('the adapter was closed')
    await this.ctx.transport.close()
    if (!this.ctx.agent.destroyed) await this.ctx.agent.destroy()
  }

  protected run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    if (this.ctx.setupProblem && this.supports(op)) {
      return Promise.reject(new DutError('E_DUT_UNREACHABLE', op, this.ctx.setupProblem))
    }
    return guarded(op, work)
  }
}
