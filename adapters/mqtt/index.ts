/**
 * The MQTT adapter: a device driven through an MQTT broker (mqtt://, mqtts://, ws://, wss://), as
 * its DUT profile declares. Each operation publishes what the profile says and takes the reply
 * that matches; every step has a timeout, every message in and out is recorded in the evidence
 * log (channel `mqtt`) with the password masked, and a broker that goes away fails the operations
 * in flight without bringing the run down.
 */
import type { MqttDutProfile } from '../../ixit/profile-types.ts'
import type {
  DeliverOptions, DeliveryReceipt, Dut, DutIdentity, DutNotification, ImageSource, Operation, SettingChange,
  UpdateOutcome, UpdateSettings,
} from '../dut.ts'
import { DutError } from '../dut.ts'
import type { EvidenceLog } from '../evidence.ts'
import { ExtractError } from '../http/extract.ts'
import { Redactor } from '../http/redact.ts'
import { deliverImage } from './deliver.ts'
import type { Ctx } from './exchange.ts'
import { MqttFailure } from './failure.ts'
import { changeSettings, checkNow, identify, readNotifications, readSettings } from './operations.ts'
import { readOutcome } from './outcome.ts'
import { Recorder } from './record.ts'
import { restart } from './restart.ts'
import { Link } from './session.ts'

export interface MqttDutOptions {
  evidence: EvidenceLog
  /** Where the password named by `adapter.auth.passwordEnv` is read; defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

export function createMqttDut(profile: MqttDutProfile, options: MqttDutOptions): Dut {
  return new MqttDut(profile, options)
}

class MqttDut implements Dut {
  private readonly ctx: Ctx

  constructor(
    private readonly profile: MqttDutProfile,
    options: MqttDutOptions,
  ) {
    const recorder = new Recorder(options.evidence, new Redactor())
    const link = new Link({ profile, env: options.env ?? process.env, recorder })
    this.ctx = { profile, link, recorder }
  }

  supports(op: Operation, change?: SettingChange): boolean {
    if (op === 'change-settings') {
      const changes = this.profile.operations['change-settings'] ?? {}
      return change ? changes[change] !== undefined : Object.values(changes).some((c) => c !== undefined)
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
    this.ctx.outcome?.listener.close()
    this.ctx.outcome = undefined
    await this.ctx.link.close()
  }

  /** Failures of the broker layer and of extraction, as the DutError the suites expect; never a credential. */
  private async run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work()
      // What the device said goes into reports too: a password it echoes is masked there as well.
      return result === undefined ? result : this.ctx.recorder.redactor.value(result)
    } catch (err) {
      const e = err instanceof MqttFailure
        ? err.toDutError(op)
        : err instanceof ExtractError
          ? new DutError('E_DUT_PROTOCOL', op, err.message)
          : err
      if (e instanceof DutError) {
        const text = this.ctx.recorder.text(e.message)
        throw text === e.message ? e : new DutError(e.code, e.operation, text.slice(`${e.operation}: `.length))
      }
      throw e
    }
  }
}
