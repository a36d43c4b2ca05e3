// The fake console's profile, in a module of its own: it loads no serialport, so a test that
// mocks serialport away (no-binding.test.ts) can use it.
import type { SerialAdapterConfig, SerialDutProfile, SerialOperationMap } from '../../../adapters/serial/profile.ts'
import { fakeProfileCommon } from '../fake-profile.ts'

/** The operations of the fake device, as a profile would declare them. */
export const OPERATIONS: SerialOperationMap = {
  identify: { send: 'identify', expect: String.raw`Model:\s+(?<model>.+?)\s*$[\s\S]*?^Firmware:\s+(?<version>\S+)` },
  'read-settings': { send: 'settings', expect: String.raw`auto-update:\s+(?<automaticUpdates>\w+)\s*\n\s*notify:\s+(?<notifications>\w+)` },
  'change-settings': {
    'enable-automatic-updates': { send: 'set auto on', expect: 'auto-update set to on' },
    'disable-automatic-updates': { send: 'set auto off', expect: 'auto-update set to off' },
  },
  'check-now': { send: 'check', expect: 'no update available|update found' },
  'read-notifications': { send: 'notifications', item: String.raw`^\[(?<time>[^\]]+)\] (?<kind>\w+): (?<text>.+)$`, end: '^-- end --$' },
  'read-outcome': {
    send: 'update status',
    expect: String.raw`^update: (?<state>\w+)(?: (?<version>[^\s(]\S*))?(?: \((?<detail>[^)]*)\))?`,
    states: { installed: ['installed'], rejected: ['rejected', 'failed'], pending: ['pending', 'downloading'] },
    intervalMs: 50,
    timeoutMs: 3000,
  },
  reboot: { send: 'reboot', expect: 'rebooting', readyTimeoutMs: 5000 },
}

export function profile(
  port: string,
  operations: SerialOperationMap = OPERATIONS,
  adapter: Partial<SerialAdapterConfig> = {},
): SerialDutProfile {
  return {
    ...fakeProfileCommon('fake console'),
    adapter: {
      kind: 'serial',
      port,
      baudRate: 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      lineEnding: '\r\n',
      prompt: '^dut> $',
      timeouts: { defaultMs: 1500, operations: {} },
      ...adapter,
    },
    operations,
  }
}
