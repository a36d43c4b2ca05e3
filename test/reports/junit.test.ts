import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { renderJunit, writeJunit } from '../../reports/index.ts'
import { AWKWARD_FAIL, AWKWARD_INCONCLUSIVE, AWKWARD_NOT_APPLICABLE, PLACEHOLDER_LOOKALIKE, sampleResults } from './fixture.ts'
import { requireXmllint, validate, xpath } from './xmllint.ts'

const SCHEMA = fileURLToPath(new URL('../xsd/junit.xsd', import.meta.url))

let dir: string
let file: string

// No xmllint check here: a failing hook would mark every test skipped; each test must fail instead.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts701-junit-'))
  file = join(dir, 'nested', 'junit.xml')
  await writeJunit(sampleResults(), file)
})

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const at = (expression: string): string => xpath(file, expression)
const testcase = (name: string): string => `//testcase[@name="${name}"]`

describe('JUnit report (writeJunit)', () => {
  it('has xmllint available to read and validate it (install libxml2-utils if this fails)', () => {
    requireXmllint()
  })

  it('validates against test/xsd/junit.xsd', () => {
    const { valid, output } = validate(file, SCHEMA)
    expect(output).toContain('validates')
    expect(valid).toBe(true)
  })

  it('is written to the given path, creating directories, ending in a newline', async () => {
    const xml = await readFile(file, 'utf8')
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true)
    expect(xml.endsWith('\n')).toBe(true)
  })

  it('has one <testsuites> named after the edition, with totals over all units', () => {
    expect(at('count(/testsuites)')).toBe('1')
    expect(at('string(/testsuites/@name)')).toBe('ts701 en303645-v3.1.3')
    expect(at('string(/testsuites/@tests)')).toBe('9')
    expect(at('string(/testsuites/@failures)')).toBe('1')
    expect(at('string(/testsuites/@errors)')).toBe('2')
    expect(at('string(/testsuites/@skipped)')).toBe('2')
  })

  it('has one <testsuite> per test group, named "<id> <title>", in order, with its own counts', () => {
    const suites = [
      { name: '5.3-1 Mechanism to update software securely', tests: 2, failures: 0, errors: 0, skipped: 0 },
      { name: '5.3-7 Best-practice cryptography for updates', tests: 3, failures: 1, errors: 1, skipped: 0 },
      { name: '5.3-8 Security updates are timely', tests: 2, failures: 0, errors: 1, skipped: 0 },
      { name: '5.3-16 Model designation recognisable', tests: 2, failures: 0, errors: 0, skipped: 2 },
    ]
    expect(at('count(/testsuites/testsuite)')).toBe(String(suites.length))
    suites.forEach((suite, i) => {
      const path = `/testsuites/testsuite[${i + 1}]`
      expect(at(`string(${path}/@name)`)).toBe(suite.name)
      expect(at(`string(${path}/@tests)`)).toBe(String(suite.tests))
      expect(at(`string(${path}/@failures)`)).toBe(String(suite.failures))
      expect(at(`string(${path}/@errors)`)).toBe(String(suite.errors))
      expect(at(`string(${path}/@skipped)`)).toBe(String(suite.skipped))
      expect(at(`string(${path}/@timestamp)`)).toBe('2025-11-26T09:17:03.120Z')
    })
  })

  it('times testcases by their unit (0 when not measured) and testsuites by the sum', () => {
    expect(at(`string(${testcase('5.3-1-1a [UpdMech-1]')}/@time)`)).toBe('1.5')
    expect(at(`string(${testcase('5.3-1-1a [UpdMech-2]')}/@time)`)).toBe('0')
    expect(at('string(/testsuites/testsuite[1]/@time)')).toBe('1.5')
    expect(at('string(/testsuites/testsuite[2]/@time)')).toBe('30.25')
  })

  it('has counts that agree with the testcases they summarise', () => {
    expect(at('count(//testsuite[@tests != count(testcase)])')).toBe('0')
    expect(at('count(//testsuite[@failures != count(testcase[failure])])')).toBe('0')
    expect(at('count(//testsuite[@errors != count(testcase[error])])')).toBe('0')
    expect(at('count(//testsuite[@skipped != count(testcase[skipped])])')).toBe('0')
    expect(at('count(//testcase)')).toBe(at('string(/testsuites/@tests)'))
  })

  it('names each testcase after its unit, plus " [target]" when it has one; classname is the group id', () => {
    const expected: Array<[suite: number, names: string[], classname: string]> = [
      [1, ['5.3-1-1a [UpdMech-1]', '5.3-1-1a [UpdMech-2]'], '5.3-1'],
      [2, ['5.3-7-1a', '5.3-7-1c [UpdMech-2]', '5.3-7-2a [UpdMech-1]'], '5.3-7'],
      [3, ['5.3-8-1a', '5.3-8-1b'], '5.3-8'],
      [4, ['5.3-16-1a [UpdMech-1]', '5.3-16-1b'], '5.3-16'],
    ]
    for (const [suite, names, classname] of expected) {
      expect(at(`count(/testsuites/testsuite[${suite}]/testcase)`)).toBe(String(names.length))
      names.forEach((name, i) => {
        const path = `/testsuites/testsuite[${suite}]/testcase[${i + 1}]`
        expect(at(`string(${path}/@name)`)).toBe(name)
        expect(at(`string(${path}/@classname)`)).toBe(classname)
      })
    }
  })

  it('renders FAIL as <failure type="FAIL"> carrying the reason verbatim', () => {
    const path = testcase('5.3-7-1c [UpdMech-2]')
    expect(at(`count(${path}/failure)`)).toBe('1')
    expect(at(`string(${path}/failure/@type)`)).toBe('FAIL')
    expect(at(`string(${path}/failure/@message)`)).toBe(AWKWARD_FAIL)
    expect(at(`count(${path}/error | ${path}/skipped)`)).toBe('0')
  })

  it('renders INCONCLUSIVE as <error type="INCONCLUSIVE"> carrying the reason verbatim', () => {
    const path = testcase('5.3-7-2a [UpdMech-1]')
    expect(at(`count(${path}/error)`)).toBe('1')
    expect(at(`string(${path}/error/@type)`)).toBe('INCONCLUSIVE')
    expect(at(`string(${path}/error/@message)`)).toBe(AWKWARD_INCONCLUSIVE)
    expect(at(`count(${path}/failure | ${path}/skipped)`)).toBe('0')
    expect(at(`string(${testcase('5.3-8-1b')}/error/@message)`)).toBe(PLACEHOLDER_LOOKALIKE)
  })

  it('renders NOT APPLICABLE as <skipped> with the reason in its message attribute', () => {
    const first = testcase('5.3-16-1a [UpdMech-1]')
    expect(at(`count(${first}/skipped)`)).toBe('1')
    expect(at(`string(${first}/skipped/@message)`)).toBe(AWKWARD_NOT_APPLICABLE)
    expect(at(`count(${first}/failure | ${first}/error)`)).toBe('0')
    expect(at(`string(${testcase('5.3-16-1b')}/skipped/@message)`)).toBe('Condition 9 does not hold')
    expect(at('count(//skipped[not(@message)])')).toBe('0')
  })

  it('renders PASS as a plain testcase', () => {
    for (const name of ['5.3-1-1a [UpdMech-1]', '5.3-7-1a', '5.3-8-1a']) {
      expect(at(`count(${testcase(name)}/failure | ${testcase(name)}/error | ${testcase(name)}/skipped)`)).toBe('0')
    }
  })

  it('starts every <system-out> with "VERDICT: <verdict> — <reason>", then source, reads and evidence', () => {
    const results = sampleResults()
    for (const group of results.groups) {
      for (const unit of group.cases.flatMap((c) => c.units)) {
        const name = unit.target ? `${unit.id} [${unit.target}]` : unit.id
        const out = at(`string(${testcase(name)}/system-out)`)
        expect(out.split('\n')[0]).toBe(`VERDICT: ${unit.verdict} — ${unit.reason.split('\n')[0]}`)
        expect(out).toContain(`\nsource: ${unit.source}`)
      }
    }
    expect(at(`string(${testcase('5.3-7-2a [UpdMech-1]')}/system-out)`)).toBe(
      [
        `VERDICT: INCONCLUSIVE — ${AWKWARD_INCONCLUSIVE}`,
        'source: observed',
        'reads: 7-UpdMech.cryptographicDetails',
        'evidence: evidence/5.3-7-2a/capture.pcap',
        'evidence: evidence/5.3-7-2a/log.txt',
      ].join('\n'),
    )
    // Continuation lines of a multi-line reason are indented so they cannot pose as `key: value`.
    expect(at(`string(${testcase('5.3-7-1c [UpdMech-2]')}/system-out)`)).toBe(
      [
        'VERDICT: FAIL — Update signature uses "SHA-1" <deprecated> & \'RSA-1024\';',
        '  see Prüfbericht §4: Ärger über Öffnung & Schlüssel',
        'source: rule',
        'reads: 7-UpdMech.cryptographicDetails, 7-UpdMech.algorithms',
      ].join('\n'),
    )
  })

  it('records the full verdict as testcase properties, with assessor and date when present', () => {
    const property = (name: string, key: string): string => at(`string(${testcase(name)}/properties/property[@name="${key}"]/@value)`)
    expect(property('5.3-7-2a [UpdMech-1]', 'provision')).toBe('5.3-7')
    expect(property('5.3-7-2a [UpdMech-1]', 'status')).toBe('M C(12)')
    expect(property('5.3-7-2a [UpdMech-1]', 'case')).toBe('5.3-7-2')
    expect(property('5.3-7-2a [UpdMech-1]', 'kind')).toBe('functional')
    expect(property('5.3-7-1c [UpdMech-2]', 'ixit')).toBe('7-UpdMech.cryptographicDetails,7-UpdMech.algorithms')
    expect(property('5.3-7-1c [UpdMech-2]', 'edition')).toBe('en303645-v3.1.3')
    expect(property('5.3-16-1b', 'verdict')).toBe('NOT APPLICABLE')
    expect(property('5.3-7-2a [UpdMech-1]', 'source')).toBe('observed')
    expect(property('5.3-8-1a', 'assessor')).toBe("Jörg O'Brien")
    expect(property('5.3-8-1a', 'date')).toBe('2025-11-20')
    expect(at(`count(${testcase('5.3-8-1b')}/properties/property[@name="ixit"])`)).toBe('1')
    expect(at(`count(${testcase('5.3-8-1b')}/properties/property[@name="assessor" or @name="date"])`)).toBe('0')
    expect(at('count(//testcase[not(properties/property[@name="verdict"])])')).toBe('0')
  })
})

describe('renderJunit', () => {
  it('carries what each unit rests on: origin ts701 for additions, basis text or reading for the standard units', async () => {
    const results = sampleResults()
    const [added, standard] = results.groups[3]!.cases[0]!.units
    added!.origin = 'ts701'
    standard!.basis = 'reading'
    const path = join(dir, 'basis.xml')
    await writeFile(path, renderJunit(results))
    expect(validate(path, SCHEMA).valid).toBe(true)
    const name = (u: typeof added) => `${u!.id}${u!.target ? ` [${u!.target}]` : ''}`
    const property = (u: typeof added, key: string) =>
      xpath(path, `string(//testcase[@name="${name(u)}"]/properties/property[@name="${key}"]/@value)`)
    expect(property(added, 'origin')).toBe('ts701')
    expect(property(added, 'basis')).toBe('')
    expect(property(standard, 'basis')).toBe('reading')
    expect(property(standard, 'origin')).toBe('')
  })

  it('drops characters XML cannot carry and keeps carriage returns', async () => {
    const results = sampleResults()
    const unit = results.groups[3]!.cases[0]!.units[1]!
    unit.reason = 'bell\u0007 here\r\nnext'
    const path = join(dir, 'control.xml')
    await writeFile(path, renderJunit(results))
    expect(validate(path, SCHEMA).valid).toBe(true)
    expect(xpath(path, `string(${testcase('5.3-16-1b')}/skipped/@message)`)).toBe('bell here\r\nnext')
  })

  it('starts from a fresh builder every call and leaves the package singleton alone', () => {
    const first = renderJunit(sampleResults())
    const second = renderJunit(sampleResults())
    const suites = (xml: string): number => xml.match(/<testsuite /g)?.length ?? 0
    expect(suites(first)).toBe(4)
    expect(suites(second)).toBe(4)
    const singleton = createRequire(import.meta.url)('junit-report-builder') as { build(): string }
    expect(singleton.build()).not.toContain('<testsuite ')
  })

  it('renders a run without groups as an empty, valid report', async () => {
    const empty: RunResults = { ...sampleResults(), groups: [] }
    const path = join(dir, 'empty.xml')
    await writeFile(path, renderJunit(empty))
    expect(validate(path, SCHEMA).valid).toBe(true)
    expect(xpath(path, 'string(/testsuites/@tests)')).toBe('0')
  })
})

describe('test/xsd/junit.xsd', () => {
  const valid = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites name="t" tests="2" failures="1" errors="0" skipped="0">',
    '<testsuite name="s" tests="2" failures="1" errors="0" skipped="0" time="0" timestamp="2025-11-26T09:17:03Z">',
    '<testcase name="a" classname="c" time="0"><properties><property name="k" value="v"/></properties>',
    '<system-out>out</system-out></testcase>',
    '<testcase name="b" classname="c" time="0.5"><failure message="m" type="FAIL"/></testcase>',
    '</testsuite></testsuites>',
  ].join('\n')

  const broken: Array<[mistake: string, from: string, to: string]> = [
    ['testcase without name', '<testcase name="a" ', '<testcase '],
    ['testcase without classname', 'name="a" classname="c"', 'name="a"'],
    ['non-numeric count', 'tests="2" failures="1" errors="0" skipped="0" time', 'tests="two" failures="1" errors="0" skipped="0" time'],
    ['negative count', 'errors="0" skipped="0" time', 'errors="-1" skipped="0" time'],
    ['testsuite without skipped', ' skipped="0" time="0"', ' time="0"'],
    ['testsuite without timestamp', ' timestamp="2025-11-26T09:17:03Z"', ''],
    ['timestamp that is not a date-time', '2025-11-26T09:17:03Z', 'yesterday'],
    ['failure without type', ' type="FAIL"', ''],
    ['property without value', ' value="v"', ''],
    ['testcase directly under testsuites', '<testsuite name="s"', '<testcase name="x" classname="c" time="0"/><testsuite name="s"'],
    ['failure outside a testcase', '</testsuite>', '<failure type="FAIL"/></testsuite>'],
    ['skipped and failure on one testcase', '<failure message', '<skipped/><failure message'],
    ['system-out before failure', '<failure message="m" type="FAIL"/>', '<system-out/><failure message="m" type="FAIL"/>'],
    ['unknown element', '<system-out>out</system-out>', '<stdout>out</stdout>'],
  ]

  it('accepts a well-formed report', async () => {
    const path = join(dir, 'xsd-valid.xml')
    await writeFile(path, valid)
    const result = validate(path, SCHEMA)
    expect(result.valid, result.output).toBe(true)
  })

  it.each(broken)('rejects a report with %s', async (mistake, from, to) => {
    expect(valid).toContain(from)
    const path = join(dir, `xsd-${mistake.replace(/\W+/g, '-')}.xml`)
    await writeFile(path, valid.replace(from, to))
    const result = validate(path, SCHEMA)
    expect(result.valid, result.output).toBe(false)
    expect(result.output).toMatch(/fails to validate|Schemas validity error/)
  })
})
