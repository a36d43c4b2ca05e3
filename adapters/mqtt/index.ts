import type { Dut } from '../dut.ts'
import type { EvidenceLog } from '../evidence.ts'
import type { MqttDutProfile } from '../../ixit/profile-types.ts'

export function createMqttDut(_profile: MqttDutProfile, _options: { evidence: EvidenceLog; env?: NodeJS.ProcessEnv }): Dut {
  throw new Error('the MQTT adapter is being written')
}
