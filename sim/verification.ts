import type { KeyObject } from 'node:crypto'
import type { VerifyPolicy } from '../fixtures/image.ts'
import type { FlawSet } from './flaws.ts'

/**
 * The device's image checks, as the policy handed to `verifyImage`. Five flaws are each one
 * switch here, so the flawed device runs the very same verification code with one check off.
 */
export function verificationPolicy(trust: { keys: KeyObject[]; hardwareId: string; counter: number }, flaws: FlawSet): VerifyPolicy {
  return {
    trustedKeys: trust.keys,
    hardwareId: flaws.has('ignore-hardware-id') ? undefined : trust.hardwareId,
    minVersionCounter: flaws.has('no-anti-rollback') ? undefined : trust.counter,
    requireSignature: !flaws.has('accept-unsigned'),
    checkSignature: !flaws.has('skip-signature-check'),
    checkPayload: !flaws.has('header-only-hash'),
  }
}

/**
 * The counter after installing an image. It only goes up; the flawed device without anti-rollback
 * has no monotonic counter at all and takes whatever the image says.
 */
export function nextCounter(current: number, image: number, flaws: FlawSet): number {
  return flaws.has('no-anti-rollback') ? image : Math.max(current, image)
}
