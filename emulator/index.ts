/**
 * The update-server emulator: ts701 playing the vendor's update server for a device under test.
 *
 * - Routes (`EmulatorRoute` in the DUT profile) are tried in order; the first whose method (`*`
 *   is any; HEAD is also answered by GET routes), path and conditions match answers.
 * - A route counts as *seen* (for `afterSeen` / `untilSeen`) once it has answered a request since
 *   the last `resetState()`; `untilSeen: <its own name>` therefore answers exactly once.
 * - Every template is checked at `start()`; an unknown placeholder is an EmulatorConfigError
 *   naming the route. Image placeholders insert nothing while no image is offered.
 * - A route's `if` tests the request (a JSON pointer into its body, a query parameter, a header,
 *   or the body text) with `equals` (a template) or `regex`; all conditions of a list must hold.
 * - A hit is recorded once its answer has been handed to the connection, or when the client went
 *   away first (`completed: false`), with the request body when it is small and text-like; use
 *   `waitForHit` rather than reading `hits()` right after a client saw an answer. `hits()` is
 *   ordered by arrival time.
 * - `waitForFirstContact` tells when a device that polls on its own schedule has shown up.
 */
export {
  UpdateServerEmulator,
  type ClientError,
  type Contact,
  type EmulatorOptions,
  type EmulatorTimeouts,
  type HandshakeFailure,
  type Hit,
  type OfferedImage,
  type OfferOptions,
  type TlsMaterial,
} from './server.ts'
export { emulatorOptions, updateServerTiming, type ProfileExtras, type UpdateServerTiming } from './profile-options.ts'
export { EmulatorClosedError, EmulatorConfigError } from './errors.ts'
