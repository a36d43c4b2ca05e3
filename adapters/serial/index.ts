import type { Dut } from '../dut.ts'
import type { EvidenceLog } from '../evidence.ts'
import type { SerialDutProfile } from '../../ixit/profile-types.ts'

export function createSerialDut(_profile: SerialDutProfile, _options: { evidence: EvidenceLog; env?: NodeJS.ProcessEnv }): Dut {
  throw new Error('the serial adapter is being written')
}
