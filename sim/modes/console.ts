/**
 * Mode console: what a lab declares for a console-only A/B updater. The shell keeps what such a
 * device offers (identify, settings, a check on demand, image deliveries) and nothing else: its
 * update checks and installation results are read from the lines it prints on its own, and the
 * lab power-cycles, reflashes and resets it with its bench script.
 */
import type { OutcomeStates } from '../../profile/types.ts'
import { SimError } from '../errors.ts'
import { readyTimeoutMs, serialProfile, type ChannelInput, type ProfileInput, type WrittenProfile } from '../profile.ts'
import { benchSection, NAME } from './bench-steps.ts'

/** The device's words for an installation's result (sim/console.ts `announce`). */
const CONSOLE_STATES: OutcomeStates = { installed: ['success'], rejected: ['failure'], pending: ['waiting'] }

/** `[upd] install 1.1.0: success`, `[upd] install: failure (<reason>)`. */
export const INSTALL_LINE = '^\\[upd\\] install(?: (?<version>\\S+))?: (?<state>success|failure|waiting)(?: \\((?<detail>.*)\\))?$'
/** `[upd] checking for updates (boot) at <url>`. */
export const CHECK_LINE = '^\\[upd\\] checking for updates\\b'

export function consoleProfile(input: ProfileInput, reach: ChannelInput): WrittenProfile {
  if (reach.kind !== 'serial') throw new SimError('E_SIM_CONFIG', `mode console runs over its serial console, not ${reach.kind}`)
  const serial = serialProfile(input, reach)
  // What a console-only updater lacks: a status command, and any way to restart or reflash itself.
  const { 'read-outcome': _outcome, reboot: _reboot, 'factory-reset': _reset, restore: _restore, ...operations } = serial.operations
  return {
    ...serial,
    name: `${NAME}, console-only A/B updater`,
    operations,
    bench: benchSection(input, readyTimeoutMs(input.timeScale), { restarts: false }),
    observe: {
      checks: { from: 'console', match: CHECK_LINE },
      outcome: { from: 'console', match: INSTALL_LINE, states: CONSOLE_STATES, timeoutMs: 30_000 },
    },
  }
}
