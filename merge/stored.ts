/**
 * Recognises a results.json of `ts701 run` among other JSON files. The report and the merge read
 * nearly every field of the result tree, so a file of another tool (or one edited by hand) is
 * turned away here with the place that is wrong, instead of failing somewhere deep in a renderer.
 */
import type { RunResults, Verdict } from '../core/verdict.ts'
import { StoredResultsError } from './errors.ts'

const VERDICTS: readonly Verdict[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT APPLICABLE']

type Check = (value: unknown, at: string) => string | undefined

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const text: Check = (v) => (typeof v === 'string' ? undefined : 'expected a string')
const flag: Check = (v) => (typeof v === 'boolean' ? undefined : 'expected true or false')
const time: Check = (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? undefined : 'expected a date and time')
const verdict: Check = (v) => (VERDICTS.includes(v as Verdict) ? undefined : `not a verdict (${JSON.stringify(v)})`)
const optional =
  (check: Check): Check =>
  (v, at) =>
    v === undefined ? undefined : check(v, at)

function listOf(item?: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return 'expected a list'
    if (!item) return undefined
    for (const [i, element] of v.entries()) {
      const problem = item(element, `${at}/${i}`)
      if (problem) return problem.startsWith('/') ? problem : `${at}/${i}: ${problem}`
    }
    return undefined
  }
}

/** Checks the named fields of an object; a problem comes back prefixed with its JSON pointer. */
function fields(shape: Record<string, Check>): Check {
  return (v, at) => {
    if (!isObject(v)) return at ? `${at}: expected an object` : 'expected an object'
    for (const [key, check] of Object.entries(shape)) {
      const problem = check(v[key], `${at}/${key}`)
      // Nested checks already name their place; leaf checks name only what they expected.
      if (problem) return problem.startsWith('/') ? problem : `${at}/${key}: ${problem}`
    }
    return undefined
  }
}

const unit = fields({
  id: text,
  target: optional(text),
  variant: optional(text),
  verdict,
  reason: text,
  source: text,
  reads: optional(listOf(text)),
  evidence: optional(listOf(text)),
})
const testCase = fields({ id: text, kind: text, verdict, units: listOf(unit) })
const group = fields({ id: text, provision: text, status: text, title: text, verdict, reason: optional(text), cases: listOf(testCase) })

const results = fields({
  standard: text,
  standardTitle: text,
  dut: text,
  startedAt: time,
  finishedAt: time,
  conceptualOnly: flag,
  findings: listOf(),
  attacks: listOf(),
  files: listOf(),
  groups: listOf(group),
  meta: optional(fields({ assessors: listOf(text), inputs: listOf() })),
  runs: optional(listOf(fields({ label: text, dir: text, startedAt: time, finishedAt: time }))),
})

/** The result model stored in `content`, or an error naming `file` and the first thing that is not. */
export function parseStoredResults(content: string, file: string): RunResults {
  let value: unknown
  try {
    value = JSON.parse(content)
  } catch {
    throw new StoredResultsError('E_RESULTS_NOT_JSON', `${file}: not JSON, so not a results.json of ts701`)
  }
  const problem = results(value, '')
  if (problem) throw new StoredResultsError('E_RESULTS_SHAPE', `${file}: not a results.json of ts701 (${problem})`)
  return value as RunResults
}
