/** `note` informs without asking for a change, e.g. a suggested fact waiting for the supplier's word. */
export type Severity = 'error' | 'warning' | 'note'

/**
 * One problem in the documents or the run, printed as `file:line:column: severity: message`. The
 * loaders find them and the reports carry them, so the type lives on the ground floor.
 */
export interface Finding {
  severity: Severity
  code: string
  file: string
  line: number
  column: number
  message: string
  /** JSON pointer into the document, where the problem has one. */
  pointer?: string
}
