import { Ts701Error } from '../core/errors.ts'

export type StoredResultsErrorCode =
  /** Neither a results.json nor a run folder holding one. */
  | 'E_RESULTS_MISSING'
  /** The file is there but is not JSON at all. */
  | 'E_RESULTS_NOT_JSON'
  /** JSON, but not the result model ts701 writes (another tool's file, or one edited by hand). */
  | 'E_RESULTS_SHAPE'

/** A results.json that cannot be reported on; the message names the file and what is wrong. */
export class StoredResultsError extends Ts701Error {
  constructor(
    override readonly code: StoredResultsErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}

export type MergeErrorCode =
  /** The runs assess different devices: their verdicts cannot be one assessment. */
  | 'E_MERGE_DUT'
  /** The runs assess against different editions, whose units and cases differ. */
  | 'E_MERGE_EDITION'
  /** Run labels that are empty or not unique, so evidence IDs would collide. */
  | 'E_MERGE_LABEL'
  /** An input is itself a merged assessment; its units already carry labels of their own runs. */
  | 'E_MERGE_NESTED'
  /** A run names a case or unit the edition does not have, so it cannot be aggregated by its rules. */
  | 'E_MERGE_CATALOG'
  /** The assessment whose decisions were to be applied cannot be read, or is of another DUT. */
  | 'E_MERGE_DECISIONS'

/** Runs that cannot be merged into one assessment. */
export class MergeError extends Ts701Error {
  constructor(
    override readonly code: MergeErrorCode,
    message: string,
  ) {
    super(code, message)
  }
}
