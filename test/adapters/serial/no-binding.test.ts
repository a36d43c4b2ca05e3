// serialport's native binding can fail to load (built for another Node, a platform without a
// prebuilt one). It is loaded when a device path is first opened, so that failure is the open's:
// the operation fails as unreachable and says why. (The fake consoles of the other serial tests
// load serialport themselves, so this file uses only their profile; a console over TCP, which never
// loads it, is covered there.)
import { expect, it, vi } from 'vitest'
import { createSerialDut } from '../../../adapters/serial/index.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import { profile } from './profiles.ts'

vi.mock('serialport', () => {
  throw new Error('No native build was found for platform=linux arch=x64 runtime=node abi=115')
})

const PORT = '/dev/ttyTS701-not-there'

it('a serialport that does not load fails an operation on a device path as unreachable, naming the binding', async () => {
  const dut = createSerialDut(profile(PORT), { evidence: new EvidenceLog(), env: {} })
  try {
    const err = (await dut.identify().then(
      () => undefined,
      (e: unknown) => e,
    )) as (Error & { code?: string }) | undefined
    expect(err?.code).toBe('E_DUT_UNREACHABLE')
    // vitest wraps the factory's error in a message of its own; a real failure names the binding.
    expect(err?.message).toMatch(/^identify: cannot open the serial port \/dev\/ttyTS701-not-there \(serialport did not load: .+\)$/)
  } finally {
    await dut.close()
  }
})
