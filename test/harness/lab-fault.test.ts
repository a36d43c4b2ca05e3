import { describe, expect, it } from 'vitest'
import { DutError } from '../../core/dut.ts'
import { LabFaultError } from '../../core/errors.ts'
import { EmulatorClosedError, EmulatorConfigError } from '../../emulator/index.ts'
import { CertificateKeyError } from '../../fixtures/certs.ts'
import { asLabFault } from '../../harness/lab-fault.ts'

describe('what counts as a lab fault', () => {
  it("the lab's things: the emulator's configuration, a CA file that does not read or match", () => {
    const port = asLabFault(new EmulatorConfigError('update-server emulator cannot listen on 127.0.0.1:8702: address already in use'))
    expect(port).toBeInstanceOf(LabFaultError)
    expect(port?.code).toBe('E_LAB_FAULT')
    expect(port?.message).toMatch(/address already in use/)
    expect(asLabFault(new CertificateKeyError('the key does not belong to its certificate', 'mismatch'))).toBeInstanceOf(LabFaultError)
    expect(asLabFault(new CertificateKeyError('not a PEM key', 'unreadable'))).toBeInstanceOf(LabFaultError)
  })

  it("not the lab's: the device's errors, ts701's own limits, a run that is stopping", () => {
    expect(asLabFault(new DutError('E_DUT_UNREACHABLE', 'identify', 'connection refused'))).toBeUndefined()
    expect(asLabFault(new CertificateKeyError('Ed25519 CA keys cannot sign', 'unsupported'))).toBeUndefined()
    expect(asLabFault(new EmulatorClosedError())).toBeUndefined()
    expect(asLabFault(new Error('anything else'))).toBeUndefined()
  })
})
