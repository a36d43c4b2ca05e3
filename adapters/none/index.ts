/**
 * The `Dut` of a device without an API: it supports nothing, and every operation says so in the
 * words every channel uses (E_DUT_NOT_DECLARED). What the judges need of such a device comes from
 * the observation layer (harness/observe/) and the bench, never from here.
 */
import { notDeclared, type Dut, type Operation } from '../../core/dut.ts'
import type { NoneDutProfile } from './profile.ts'

const refuse = (op: Operation): Promise<never> => Promise.reject(notDeclared(op))

export class NoneDut implements Dut {
  /** @param name What evidence calls the device. */
  constructor(readonly name: string) {}

  supports(): boolean {
    return false
  }

  identify = () => refuse('identify')
  readSettings = () => refuse('read-settings')
  changeSettings = () => refuse('change-settings')
  deliverImage = () => refuse('deliver-image')
  readOutcome = () => refuse('read-outcome')
  readNotifications = () => refuse('read-notifications')
  checkNow = () => refuse('check-now')
  reboot = () => refuse('reboot')
  factoryReset = () => refuse('factory-reset')
  restore = () => refuse('restore')
  close = async (): Promise<void> => {}
}

export function createNoneDut(profile: NoneDutProfile): Dut {
  return new NoneDut(profile.adapter.name ?? profile.name)
}
