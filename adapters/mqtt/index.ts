/**
 * The MQTT adapter: a device driven through an MQTT broker (mqtt://, mqtts://, ws://, wss://), as
 * its DUT profile declares. Each operation publishes what the profile says and takes the reply
 * that matches; every step has a timeout, every message in and out is recorded in the evidence
 * log (channel `mqtt`) with the password masked, and a broker that goes away fails the operations
 * in flight without bringing the run down.
 */
import type { MqttDutProfile } from './profile.ts'
import { ChannelDut, type ChannelOperations } from '../channel-dut.ts'
import type { Dut, Operation } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { Masker } from '../../core/mask.ts'
import { deliverImage } from './deliver.ts'
import type { Ctx } from './exchange.ts'
import { asDutError } from './failure.ts'
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
  identify,
  readSettings,
  changeSettings,
  deliverImage,
  readOutcome,
  readNotifications,
  checkNow,
  restart,
}

class MqttDut extends ChannelDut<Ctx> {
  constructor(profile: MqttDutProfile, options: MqttDutOptions) {
    const recorder = new Recorder(options.evidence, new Masker())
    const link = new Link({ profile, env: options.env ?? process.env, recorder })
    super(profile.operations, MQTT_OPERATIONS, { profile, link, recorder }, recorder.masker)
  }

  async close(): Promise<void> {
    this.ctx.outcome?.listener.close()
    this.ctx.outcome = undefined
    await this.ctx.link.close()
  }

  /** Failures of the broker layer and of extraction, as the DutError the suites expect. */
  protected async run<T>(op: Operation, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (err) {
      throw asDutError(op, err)
    }
  }
}
