/**
 * Pseudo-terminal pairs for tests of serial consoles, from the same socat bridge the reference
 * DUT uses. socat (Debian package `socat`) is required: without it the tests fail, nothing is
 * skipped.
 */
export { ptyPair, type PtyPair } from '../sim/pty.ts'
