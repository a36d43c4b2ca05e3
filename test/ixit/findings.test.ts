import { describe, expect, it } from 'vitest'
import { Ts701Error } from '../../core/errors.ts'
import { InvalidAssessmentError } from '../../ixit/errors.ts'
import { finding, formatFinding, hasErrors, sortFindings } from '../../ixit/findings.ts'

const at = (file: string, line: number, column: number) => ({ file, line, column })

describe('findings', () => {
  it('format as file:line:column: severity: message, on one line', () => {
    const f = finding('error', 'schema', at('a/ics.yaml', 3, 7), 'expected string,\n  found 1', '/x')
    expect(formatFinding(f)).toBe('a/ics.yaml:3:7: error: /x: expected string, found 1')
    expect(formatFinding({ ...f, severity: 'warning', message: 'two\r\nlines' })).toBe('a/ics.yaml:3:7: warning: two lines')
  })

  it('count as errors only at error severity', () => {
    expect(hasErrors([finding('warning', 'yaml-warning', at('f', 1, 1), 'w')])).toBe(false)
    expect(hasErrors([finding('warning', 'w', at('f', 1, 1), 'w'), finding('error', 'e', at('f', 1, 1), 'e')])).toBe(true)
    expect(hasErrors([])).toBe(false)
  })

  it('sort by file, line and column', () => {
    const fs = [at('b', 1, 1), at('a', 2, 1), at('a', 1, 9), at('a', 1, 2)].map((p) => finding('error', 'x', p, 'm'))
    expect(sortFindings(fs).map((f) => `${f.file}:${f.line}:${f.column}`)).toEqual(['a:1:2', 'a:1:9', 'a:2:1', 'b:1:1'])
  })
})

describe('InvalidAssessmentError', () => {
  it('carries the findings and prints the errors among them, one per line', () => {
    const findings = [
      finding('error', 'schema', at('d/ics.yaml', 2, 3), 'expected boolean, found "no"', '/constrained'),
      finding('warning', 'yaml-warning', at('d/ixit.yaml', 1, 1), 'YAML: unknown tag'),
      finding('error', 'missing-document', at('d', 1, 1), 'no IXIT document'),
    ]
    const err = new InvalidAssessmentError(findings)
    expect(err).toBeInstanceOf(Ts701Error)
    expect(err.code).toBe('E_ASSESSMENT')
    expect(err.name).toBe('InvalidAssessmentError')
    expect(err.findings).toEqual(findings)
    expect(err.message).toBe('d/ics.yaml:2:3: error: /constrained: expected boolean, found "no"\nd:1:1: error: no IXIT document')
  })
})
