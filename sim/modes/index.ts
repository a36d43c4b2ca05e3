/**
 * The reference DUT's modes: one device, behaving like the kinds of update agent a lab meets.
 * `api` is the device with a lab API (HTTP, MQTT commands or a console shell, per channel); the
 * other modes take that API away and leave only what such agents really offer, so every feature
 * of ts701 is proven on a device that lacks what the reference DUT happens to have.
 */
import type { Channel } from '../profile.ts'

export type Mode = 'api' | 'pull' | 'hawkbit' | 'jobs' | 'console' | 'detached'

export const MODES: readonly Mode[] = ['api', 'pull', 'hawkbit', 'jobs', 'console', 'detached']

/** The channel each mode is driven over; `api` runs over any of them. */
export const MODE_CHANNEL: Record<Exclude<Mode, 'api'>, Channel | 'none'> = {
  pull: 'none',
  hawkbit: 'none',
  jobs: 'mqtt',
  console: 'serial',
  detached: 'none',
}

export const MODE_HELP: Record<Mode, string> = {
  api: 'a lab API over the chosen channel: identify, outcome, settings, reboot, restore',
  pull: 'no API: a Mender-style client that reports its inventory and deployment status only to its update server',
  hawkbit: 'no API: a hawkBit-DDI-style poller that reports feedback only to its update server',
  jobs: 'an MQTT jobs-style agent: announces its checks and job status over MQTT; no identify, no reboot command',
  console: 'a console-only A/B updater: prints its checks and install results on the serial console unprompted',
  detached:
    'no API: fetches a signed JSON manifest and its detached signature, checks them, and only then the payload; reports to its update server',
}

/** The channel a run in this mode uses; undefined when the mode cannot run over the one asked for. */
export function channelOfMode(mode: Mode, asked: Channel | undefined): Channel | 'none' | undefined {
  if (mode === 'api') return asked ?? 'http'
  const own = MODE_CHANNEL[mode]
  return asked === undefined || asked === own ? own : undefined
}
