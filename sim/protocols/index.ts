/** Which update protocol the client speaks in each mode: the vendor's own unless the mode is a protocol's agent. */
import type { Mode } from '../modes/index.ts'
import { DetachedProtocol } from './detached.ts'
import { HawkbitProtocol } from './hawkbit.ts'
import { MenderProtocol } from './mender.ts'
import type { UpdateProtocol } from './protocol.ts'
import { VendorProtocol } from './vendor.ts'

export type { UpdateProtocol } from './protocol.ts'

export function protocolOf(mode: Mode, device: { hardwareId: string }): UpdateProtocol {
  if (mode === 'pull') return new MenderProtocol()
  if (mode === 'detached') return new DetachedProtocol(device.hardwareId)
  // A controller ID names one device to the server; the hardware ID is what this one has.
  if (mode === 'hawkbit') return new HawkbitProtocol(device.hardwareId)
  return new VendorProtocol()
}
