import type { BaselineEntry } from '../core/verdict.ts'

export type { BaselineEntry }

/** A baseline checked against the edition of the run it is for. */
export interface Baseline {
  /** The file as the user named it. */
  file: string
  sha256: string
  standard: string
  /** In file order: the first of equally specific entries wins a unit. */
  entries: BaselineEntry[]
}

/** What `ts701 baseline` writes in place of a ticket it was not given; loading refuses it. */
export const PLACEHOLDER_TICKET = 'TICKET-TO-FILL-IN'
