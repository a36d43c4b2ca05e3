import type { DutProfile } from '../profile/types.ts'
import type { Dut } from '../core/dut.ts'
import type { EvidenceLog } from '../core/evidence.ts'
import { createHttpDut } from './http/index.ts'
import { createMqttDut } from './mqtt/index.ts'
import { createSerialDut } from './serial/index.ts'

export interface DutOptions {
  evidence: EvidenceLog
  env?: NodeJS.ProcessEnv
}

/** The adapter the profile names: the suites see the same `Dut` whatever the channel. */
export function createDut(profile: DutProfile, options: DutOptions): Dut {
  switch (profile.adapter.kind) {
    case 'http':
      return createHttpDut(profile as Extract<DutProfile, { adapter: { kind: 'http' } }>, options)
    case 'mqtt':
      return createMqttDut(profile as Extract<DutProfile, { adapter: { kind: 'mqtt' } }>, options)
    case 'serial':
      return createSerialDut(profile as Extract<DutProfile, { adapter: { kind: 'serial' } }>, options)
  }
}

/** The secret values a profile draws from the environment, so evidence can mask them anywhere. */
export function profileSecrets(profile: DutProfile, env: NodeJS.ProcessEnv = process.env): string[] {
  const adapter = profile.adapter
  const names = adapter.kind === 'http'
    ? [adapter.auth?.kind === 'basic' ? adapter.auth.passwordEnv : adapter.auth?.kind === 'bearer' ? adapter.auth.tokenEnv : adapter.auth?.valueEnv]
    : adapter.kind === 'mqtt' ? [adapter.auth?.passwordEnv] : [adapter.login?.passwordEnv]
  return names.flatMap((name) => (name && env[name] ? [env[name]] : []))
}
