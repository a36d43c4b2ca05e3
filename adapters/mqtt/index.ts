/**
 * The MQTT adapter: a device driven through an MQTT broker (mqtt://, mqtts://, ws://, wss://), as
 * its DUT profile declares. Each operation publishes what the profile says and takes the reply
 * that matches; every step has a timeout, every message in and out is recorded in the evidence
 * log (channel `mqtt`) with the password masked, and a broker that goes away fails the operations
 * in flight without bringing the run down.
 */
import type { MqttDutProfile } from '../../profile/types.ts'
import { ChannelDut, type ChannelOperations } from '../channel-dut.ts'
import type { Dut, Operation } from '../../core/dut.ts'
import { DutError } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
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

const MQTT_OPERATIONS: ChannelOperations<Ctx> = {
  identify, readSettings, changeSettings, deliverImage, readOutcome, readNotifications, checkNow, restart,
}

class MqttDut extends ChannelDut<Ctx> {
  constructor(profile: MqttDutProfile, options: MqttDutOptions) {
    const recorder = new Recorder(options.evidence, new Redactor())
    const link = new Link({ profile, env: options.env ?? process.env, recorder })
    super(profile.operations, MQTT_OPERATIONS, { profile, link, recorder })
  }

  async close(): Promise<void> {
    this.ctx.outcome?.listener.close()
    this.ctx.outcome = undefined
    await this.ctx.link.close()
  }

  /** Failures of the broker layer and of extraction, as the DutError the suites expect; never a credential. */
  protected async run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
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
