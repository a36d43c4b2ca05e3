import { UnknownFlawError } from './errors.ts'

export interface FlawInfo {
  name: string
  description: string
}

/**
 * Each switch breaks exactly one behaviour the IXIT promises, so a harness unit that should catch
 * it can be shown to FAIL for that reason and no other.
 */
export const FLAWS = [
  { name: 'accept-unsigned', description: 'installs images that carry no signature (signed ones are still verified)' },
  { name: 'skip-signature-check', description: 'never checks image signatures or signing keys' },
  { name: 'header-only-hash', description: 'trusts the manifest without checking payload length or hash' },
  { name: 'no-anti-rollback', description: 'installs older validly signed images (no version counter check)' },
  { name: 'ignore-hardware-id', description: 'installs images signed for other hardware' },
  { name: 'no-boot-check', description: 'no update check after initialization; the daily schedule starts one period after boot' },
  { name: 'no-periodic-check', description: 'checks for updates only once after boot, never periodically' },
  {
    name: 'auto-update-off-by-default',
    description: 'automatic updates are off in the initialized state, and consenting during setup leaves them off',
  },
  { name: 'notifications-off-by-default', description: 'update notifications are off in the initialized state' },
  { name: 'disable-ignored', description: 'turning automatic updates off does not stop automatic installation' },
  { name: 'postpone-ignored', description: 'postponing automatic updates does not delay installation' },
  { name: 'no-notification', description: 'never notifies the user (available, security update required, disruption)' },
  { name: 'wrong-model', description: 'reports the model designation TS701-REF-2 instead of TS701-REF-1' },
  { name: 'trust-any-tls', description: 'accepts any update-server certificate (no CA pinning, no host name check)' },
  { name: 'support-page-login', description: 'the support page redirects to a login instead of being public' },
] as const satisfies readonly FlawInfo[]

export type FlawName = (typeof FLAWS)[number]['name']
export type FlawSet = ReadonlySet<FlawName>

export const FLAW_NAMES: readonly FlawName[] = FLAWS.map((f) => f.name)

export function isFlawName(name: string): name is FlawName {
  return (FLAW_NAMES as readonly string[]).includes(name)
}

/** Rejects the whole list when one name is unknown: a typo must not silently test the conformant device. */
export function parseFlaws(names: readonly string[] = []): FlawSet {
  const unknown = names.filter((n) => !isFlawName(n))
  if (unknown.length > 0) throw new UnknownFlawError(unknown, FLAW_NAMES)
  return new Set(names as FlawName[])
}

export function formatFlawList(): string[] {
  const width = Math.max(...FLAWS.map((f) => f.name.length))
  return FLAWS.map((f) => `${f.name.padEnd(width)}  ${f.description}`)
}
