/**
 * The HTTP adapter: a device with an HTTP API, driven as its DUT profile declares. Every request
 * goes through undici (or, with `adapter.lenient`, a raw-socket client), under a timeout, and is
 * recorded in the evidence log with credentials redacted.
 */
import type { Agent } from 'undici'
import type { HttpDutProfile } from '../../ixit/profile-types.ts'
import type {
  DeliverOptions, DeliveryReceipt, Dut, DutIdentity, DutNotification, ImageSource, Operation, SettingChange,
  UpdateOutcome, UpdateSettings,
} from '../dut.ts'
import { DutError } from '../dut.ts'
import type { EvidenceLog } from '../evidence.ts'
import { guarded, type Ctx } from './context.ts'
import { deliverImage } from './deliver.ts'
import { LenientTransport } from './lenient.ts'
import { changeSettings, checkNow, identify, readNotifications, readSettings } from './operations.ts'
import { readOutcome } from './outcome.ts'
import { Redactor } from './redact.ts'
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

class HttpDut implements Dut {
  private readonly ctx: Ctx
  private readonly agent: Agent
  private readonly transport: Transport
  /** A problem with the lab's own setup (an unreadable CA file), reported by every operation. */
  private readonly setupProblem?: string

  constructor(
    private readonly profile: HttpDutProfile,
    options: HttpDutOptions,
  ) {
    const redactor = new Redactor()
    let tls: TlsOptions = { rejectUnauthorized: !profile.adapter.tls?.insecureSkipVerify }
    try {
      tls = tlsOptions(profile.adapter)
    } catch (err) {
      this.setupProblem = `cannot read adapter.tls.caFile (${err instanceof Error ? err.message : String(err)})`
    }
    this.agent = createAgent(tls, profile.adapter.timeouts.defaultMs)
    this.transport = profile.adapter.lenient ? new LenientTransport(tls) : new UndiciTransport(this.agent)
    const env = options.env ?? process.env
    const client = new HttpClient({ profile, evidence: options.evidence, env, redactor, transport: this.transport })
    this.ctx = { profile, client, agent: this.agent, tls, env, redactor }
  }

  supports(op: Operation, change?: SettingChange): boolean {
    if (op === 'change-settings') {
      const changes = this.profile.operations['change-settings'] ?? {}
      return change ? changes[change] !== undefined : Object.values(changes).some((t) => t !== undefined)
    }
    return this.profile.operations[op] !== undefined
  }

  identify(): Promise<DutIdentity> {
    return this.run('identify', () => identify(this.ctx))
  }

  readSettings(): Promise<UpdateSettings> {
    return this.run('read-settings', () => readSettings(this.ctx))
  }

  changeSettings(change: SettingChange): Promise<void> {
    return this.run('change-settings', () => changeSettings(this.ctx, change))
  }

  deliverImage(image: ImageSource, options?: DeliverOptions): Promise<DeliveryReceipt> {
    return this.run('deliver-image', () => deliverImage(this.ctx, image, options))
  }

  readOutcome(): Promise<UpdateOutcome> {
    return this.run('read-outcome', () => readOutcome(this.ctx))
  }

  readNotifications(): Promise<DutNotification[]> {
    return this.run('read-notifications', () => readNotifications(this.ctx))
  }

  checkNow(): Promise<void> {
    return this.run('check-now', () => checkNow(this.ctx))
  }

  reboot(): Promise<void> {
    return this.run('reboot', () => restart(this.ctx, 'reboot'))
  }

  factoryReset(): Promise<void> {
    return this.run('factory-reset', () => restart(this.ctx, 'factory-reset'))
  }

  restore(): Promise<void> {
    return this.run('restore', () => restart(this.ctx, 'restore'))
  }

  async close(): Promise<void> {
    await this.transport.close()
    if (!this.agent.destroyed) await this.agent.destroy()
  }

  private run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    if (this.setupProblem && this.profile.operations[op] !== undefined) {
      return Promise.reject(new DutError('E_DUT_UNREACHABLE', op, this.setupProblem))
    }
    return guarded(op, work)
  }
}
