/**
 * The run session as the functional checks see it. The harness opens one per run, in the worker
 * that runs the functional groups, and hands it to every check in its input (`input.session`).
 */
export type { Session } from '../../../harness/session.ts'
