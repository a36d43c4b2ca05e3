import { Ts701Error } from '../core/errors.ts'
import { formatFinding } from './findings.ts'
import type { Finding } from './types.ts'

/**
 * Thrown by callers that cannot go on without a valid assessment; the loader itself returns
 * findings so a lint run can show all of them at once.
 */
export class InvalidAssessmentError extends Ts701Error {
  readonly findings: Finding[]

  constructor(findings: readonly Finding[]) {
    const errors = findings.filter((f) => f.severity === 'error')
    super('E_ASSESSMENT', errors.length > 0 ? errors.map(formatFinding).join('\n') : 'invalid assessment')
    this.findings = [...findings]
  }
}
