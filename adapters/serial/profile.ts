/**
 * The serial channel's part of the DUT profile: a device driven through its console. Its adapter
 * settings and operation map (types here, schema in profile-schema.json), checks
 * (profile-checks.ts), secrets and adapter.
 */
import type { SettingChange } from '../../core/dut.ts'
import type { ChannelDescriptor } from '../../profile/channel.ts'
import type { ReceiptTable } from '../kit/receipt.ts'
import type { AdapterTimeouts, DutProfileCommon, OutcomeStates } from '../../profile/types.ts'
import { checkSerial } from './profile-checks.ts'
import schema from './profile-schema.json' with { type: 'json' }

export interface SerialDutProfile extends DutProfileCommon {
  adapter: SerialAdapterConfig
  operations: SerialOperationMap
}

export interface SerialAdapterConfig {
  kind: 'serial'
  /** A device path (`/dev/ttyUSB0`, a pseudo-terminal) or `tcp://host:port` (raw, as ser2net exports it). */
  port: string
  baudRate: number
  dataBits: 5 | 6 | 7 | 8
  parity: 'none' | 'even' | 'odd'
  stopBits: 1 | 2
  /** What ts701 sends at the end of a command line. */
  lineEnding: '\r\n' | '\n' | '\r'
  /** Regex for the console prompt, which marks the end of an answer when an exchange has no `expect`. */
  prompt?: string
  /** How long the console stays quiet after the prompt before it counts (default PROMPT_QUIET_MS). */
  promptQuietMs?: number
  /** Console login, where the device asks for one; the password comes from the environment. */
  login?: { username: string; passwordEnv: string; userPrompt: string; passwordPrompt: string }
  timeouts: AdapterTimeouts
}

/**
 * One command and what answers it. `expect` is a regex over the cleaned console output (echo,
 * ANSI sequences and CR/LF variants removed) with named groups for the values to extract.
 */
export interface SerialExchange {
  send: string
  expect: string
  /** Default: the operation's timeout. */
  timeoutMs?: number
}

/** One way of handing the device an image over its console; the verdict's `accepted` group is read with `receipt` where it is declared. */
export type SerialDelivery = (
  | { mode: 'url'; exchange: SerialExchange }
  /** `begin` (with `{{image.size}}`, `{{image.sha256}}`), base64 lines of `lineBytes` input bytes each, then `end`. */
  | { mode: 'base64-lines'; begin: SerialExchange; lineBytes: number; end: SerialExchange }
  /** `begin` announces the length; the raw bytes follow; `end` collects the device's verdict. */
  | { mode: 'raw'; begin: SerialExchange; end: SerialExchange }
) & { receipt?: ReceiptTable }

export interface SerialOperationMap {
  /** Named groups `model` and `version`. */
  identify?: SerialExchange
  /** Named groups `automaticUpdates` and/or `notifications` (on/off, true/false, 1/0, enabled/disabled). */
  'read-settings'?: SerialExchange
  'change-settings'?: Partial<Record<SettingChange, SerialExchange>>
  'deliver-image'?: SerialDelivery
  /** Named deliveries beside `deliver-image`, for mechanisms that name one (`mechanisms.<id>.delivery`). */
  deliveries?: Record<string, SerialDelivery>
  /** Named groups `state` and optionally `version`, `detail`. */
  'read-outcome'?: SerialExchange & { states: OutcomeStates; intervalMs: number; timeoutMs: number }
  /** `item` matches one notification line (groups `text`, optional `kind`, `time`); `end` closes the list. */
  'read-notifications'?: { send: string; item: string; end: string; timeoutMs?: number }
  'check-now'?: SerialExchange
  reboot?: SerialExchange & { readyTimeoutMs: number }
  'factory-reset'?: SerialExchange & { readyTimeoutMs: number }
  restore?: SerialExchange & { readyTimeoutMs: number }
}

export const serial: ChannelDescriptor<SerialDutProfile> = {
  kind: 'serial',
  schema,
  files: [],
  check: checkSerial,
  secretEnv: (adapter) => [adapter.login?.passwordEnv],
  // Loaded when a run drives a device this way, not when a profile is loaded or linted.
  create: async (profile, options) => (await import('./index.ts')).createSerialDut(profile, options),
}
