import { LabFaultError } from '../core/errors.ts'
import { EmulatorConfigError } from '../emulator/index.ts'
import { CertificateKeyError } from '../fixtures/cert-errors.ts'

/**
 * The lab fault an error stands for, if it is one. The emulator that cannot run as the profile
 * configures it (port taken, certificate unreadable, image gone) is the lab's, as is a CA file
 * that does not read: no unit may turn it into a verdict about the device.
 */
export function asLabFault(err: unknown): LabFaultError | undefined {
  if (err instanceof LabFaultError) return err
  if (err instanceof EmulatorConfigError) return new LabFaultError(err.message)
  // A CA key ts701 cannot sign with is its own limit (the impostor units say so); a CA file that
  // does not read or does not match its certificate is the lab's.
  if (err instanceof CertificateKeyError && err.kind !== 'unsupported') return new LabFaultError(err.message)
  return undefined
}

/** Rethrows what is a lab fault as one; anything else is returned for the caller to judge. */
export function rethrowLabFault(err: unknown): unknown {
  const fault = asLabFault(err)
  if (fault) throw fault
  return err
}
