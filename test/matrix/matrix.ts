import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordedEntry } from '../../core/evidence.ts'
import type { UnitResult } from '../../core/verdict.ts'
import { FLAW_NAMES, type FlawName } from '../../sim/flaws.ts'
import { runAssessment, tempDir } from '../cli/helpers.ts'
import { EXAMPLE } from '../helpers.ts'

const V2 = 'en303645-v2.1.1'

/** The reference DUT's default clock: a device day in two real seconds. */
const DAY_IN_2_S = 43_200

/**
 * The detection matrix: which units each flaw of the reference DUT must FAIL — and nothing else
 * may fail. Flaws the default edition has no test for are checked under the edition that has one.
 */
export const EXPECTED: Record<FlawName, { standard?: string; fails: string[] }> = {
  'accept-unsigned': { fails: ['5.3-1-2a', '5.3-2-2b signature-removed', '5.3-9-2b'] },
  'skip-signature-check': {
    fails: [
      '5.3-1-2a',
      '5.3-2-2b manifest-byte',
      '5.3-2-2b signature-removed',
      '5.3-2-2b untrusted-key',
      '5.3-2-2b untrusted-key-same-id',
      '5.3-9-2b',
      '5.3-9-2c',
    ],
  },
  'header-only-hash': { fails: ['5.3-1-2a', '5.3-2-2b payload-byte', '5.3-2-2b truncated', '5.3-9-2a'] },
  'no-anti-rollback': { fails: ['5.3-1-2a', '5.3-2-2b downgrade'] },
  'ignore-hardware-id': { fails: ['5.3-1-2a', '5.3-2-2b other-hardware', '5.3-9-2c'] },
  'no-boot-check': { fails: ['5.3-5-2a'] },
  // V3.1.3 asks for no periodic check: the flaw is caught where V2.1.1 asks for one.
  'no-periodic-check': { standard: V2, fails: ['5.3-5-2b'] },
  'auto-update-off-by-default': { fails: ['5.3-4B-2a'] },
  'notifications-off-by-default': { standard: V2, fails: ['5.3-6-2c'] },
  'disable-ignored': { fails: ['5.3-6A-2a disable'] },
  'postpone-ignored': { fails: ['5.3-6A-2a postpone'] },
  'no-notification': { fails: ['5.3-6B-2a enable'] },
  'wrong-model': { fails: ['5.3-16-2b'] },
  'trust-any-tls': { fails: ['5.3-10-1d expired', '5.3-10-1d untrusted-ca', '5.3-10-1d wrong-host'] },
  'support-page-login': { fails: ['5.3-13-2b', '5.3-14-2b'] },
}

/** Flaws after which a device without a settings API installs nothing by itself: they run alone. */
export const STOPS_INSTALLING: readonly FlawName[] = ['auto-update-off-by-default']

/**
 * Flaws switched on together on every target but http. http runs each flaw alone and shows that it
 * FAILs exactly its own units; elsewhere the matrix shows that the channel or the kind of agent
 * changes no verdict, which a run of several unrelated flaws shows as well, at a fraction of the
 * runs. A bundle holds at most one flaw that breaks image checks (each of those FAILs 5.3-1-2a),
 * never two flaws of one group, and only flaws of one edition, so every unit a bundle must FAIL
 * belongs to exactly one of its flaws and any other FAIL still fails the test.
 */
export const BUNDLES: ReadonlyArray<readonly FlawName[]> = [
  ['accept-unsigned', 'wrong-model', 'support-page-login'],
  // Alone: a device without a settings API then never installs on its own, so no attack image
  // would reach it and the image flaws' units could not FAIL.
  ['auto-update-off-by-default'],
  ['skip-signature-check', 'no-boot-check'],
  ['header-only-hash', 'postpone-ignored', 'trust-any-tls'],
  ['no-anti-rollback', 'no-notification'],
  ['ignore-hardware-id', 'disable-ignored'],
  ['no-periodic-check', 'notifications-off-by-default'],
]

/**
 * The bundles on a device whose settings the lab can change. Before it offers an image the harness
 * switches automatic updates on there, so a flaw in STOPS_INSTALLING does not stop that device
 * installing, and it runs beside flaws of other groups instead of costing a run of its own.
 */
export const SETTINGS_BUNDLES: ReadonlyArray<readonly FlawName[]> = BUNDLES.filter(
  (b) => !b.every((f) => STOPS_INSTALLING.includes(f)),
).map((b) => (b.includes('no-anti-rollback') ? [...b, ...STOPS_INSTALLING] : b))

/** The edition a bundle runs under: its flaws' own (BUNDLES holds only flaws of one edition). */
export const standardOf = (bundle: readonly FlawName[]): string | undefined => EXPECTED[bundle[0]!].standard

/** The flaws' expected FAILs, by test group (the part of a unit name before its second dash). */
export const groupsOf = (flaw: FlawName): string[] => [...new Set(EXPECTED[flaw].fails.map((n) => n.split('-').slice(0, 2).join('-')))]

/**
 * Where the matrix runs: the reference DUT with its lab API over each channel, and in each mode
 * that behaves like a device without one (sim/modes/). A mode's device lacks what some units need
 * (a settings API, a model it tells anyone): those units are out of its reach and must stay
 * INCONCLUSIVE in every run — never PASS — while everything else gives the verdicts of the API.
 */
interface Target {
  label: TargetLabel
  args: string[]
  /**
   * What this device gives no way to exercise: units by ID (any target) and whole mechanisms (a
   * device without an upload API), and the reason every such unit must give.
   */
  outOfReach: { units: string[]; mechanisms: string[]; reason: RegExp }
  /**
   * Units a flaw FAILs on this target beyond the table: the detached client's profile declares its
   * baseline image, so the previous-version attack runs there, and a device without anti-rollback
   * goes back to it.
   */
  alsoFails?: Partial<Record<FlawName, string[]>>
  /**
   * How many of its runs go at once. A run mostly waits on the time-compressed device; two at a
   * time keep a 2-core machine busy beside the other file vitest runs. A device without check-now
   * waits out its own daily poll for every offer, using little CPU meanwhile: four of those
   * (eight at once were tried: a test in the file beside them then missed its timing once).
   */
  concurrency?: number
  /** Each flaw in a run of its own (else the BUNDLES). */
  isolated?: boolean
  /**
   * The device's clock (`--time-scale`), faster than the default where the runs wait on the
   * device's own schedule: what the matrix shows, each flaw FAILing its units, does not depend on
   * the scale, but the time the runs wait on the daily poll and the update-check watch does. The
   * limit is what stays in real time while the device's day shrinks. Over a console the moment a
   * restarted device answers again is known to a tenth of a second or two, which at four times the
   * default is nearly half a device day, the line between a boot check and the periodic one; and a
   * console run spends its time on exchanges more than on the device's schedule. A bench power
   * cycle keeps a device off until the lab's command has exited and a tenth of a second more; a
   * device that does not check at boot then polls a day after it is back, and the harness waits a
   * poll and a half for it after a check-now: at twice the default that leaves about 0.4 s to
   * spare, at four times 0.15 s, too little beside the other runs on a 2-core machine. So the
   * console targets keep the default; http, mqtt and the devices the bench restarts for a check
   * run twice as fast, and so does the jobs agent: at four times, where its runs would wait less
   * on its daily poll, the bench's power-on (a bash script, a tenth or two of a second on a busy
   * machine) and the agent's MQTT greeting took up to 1.1 of the half day that separates a boot
   * check from the periodic one (3 of 144 runs: the boot check rightly undecided), at twice up to
   * 0.6. `npm start`, the worked examples and the mode tests run at the default scale.
   */
  timeScale: number
}

const WITH_API: Target['outOfReach'] = { units: [], mechanisms: [], reason: /^$/ }
/** The settings experiments: a device without a settings API cannot have them done. */
const SETTINGS_UNITS = ['5.3-4A-2a', '5.3-4B-2a', '5.3-6-2c', '5.3-6A-2a', '5.3-6B-2a']
const NO_SETTINGS = /operation (read-settings|change-settings)\b.* not declared in the DUT profile/
const NO_UPLOAD = /does not say how to drive UpdMech-LocalUpload/

export type TargetLabel = 'http' | 'mqtt' | 'serial' | 'pull' | 'hawkbit' | 'console' | 'jobs' | 'detached'

const TARGETS: Array<Target & { label: TargetLabel }> = [
  { label: 'http', args: ['--channel', 'http'], outOfReach: WITH_API, isolated: true, timeScale: 2 * DAY_IN_2_S },
  { label: 'mqtt', args: ['--channel', 'mqtt'], outOfReach: WITH_API, timeScale: 2 * DAY_IN_2_S },
  { label: 'serial', args: ['--channel', 'serial'], outOfReach: WITH_API, timeScale: DAY_IN_2_S },
  // Mender- and hawkBit-style clients and the detached-manifest client: no API at all, so no settings and no
  // upload; they report to their server.
  ...(['pull', 'hawkbit', 'detached'] as const).map((mode) => ({
    label: mode,
    args: ['--mode', mode],
    timeScale: 2 * DAY_IN_2_S,
    ...(mode === 'detached' && { alsoFails: { 'no-anti-rollback': ['5.3-2-2b previous-version'] } }),
    // The hawkBit-style client spends a fifth of a core on a run (the others about a third).
    ...(mode === 'hawkbit' && { concurrency: 4 }),
    outOfReach: {
      units: SETTINGS_UNITS,
      mechanisms: ['UpdMech-LocalUpload'],
      reason: new RegExp(`${NO_SETTINGS.source}|${NO_UPLOAD.source}`),
    },
  })),
  // A console-only updater: its checks and results are console lines; the bench restarts and reflashes it.
  { label: 'console', args: ['--mode', 'console'], outOfReach: WITH_API, timeScale: DAY_IN_2_S },
  // An MQTT jobs-style agent: checks announced and job status published over MQTT; settings over MQTT, URL jobs.
  { label: 'jobs', args: ['--mode', 'jobs'], outOfReach: WITH_API, concurrency: 4, timeScale: 2 * DAY_IN_2_S },
]

/** A functional unit (the documents are judged whatever the device offers) the target cannot exercise. */
const outOfReach = (t: Target, u: UnitResult): boolean =>
  (u.source === 'observed' || u.source === 'harness') &&
  (t.outOfReach.units.includes(u.id) || (u.target !== undefined && t.outOfReach.mechanisms.includes(u.target)))

interface Row {
  target: string
  flaw: string
  standard: string
  code: number
  failed: string[]
  /** Every unit by name, for explaining a mismatch from the CI log alone. */
  units: Map<string, UnitResult[]>
  /** The run's output folder (results.json, evidence). */
  out: string
}

/** Failed units by name without the target: the matrix is about behaviours, not entries. */
async function assess(target: Target, flaws: readonly string[], standard: string | undefined): Promise<Row> {
  const out = await tempDir('matrix')
  const args = [
    '--assessment',
    EXAMPLE,
    ...target.args,
    '--time-scale',
    String(target.timeScale),
    ...flaws.flatMap((f) => ['--flaw', f]),
    ...(standard ? ['--standard', standard] : []),
  ]
  const { code, results } = await runAssessment(args, out)
  const all = results.groups.flatMap((g) => g.cases.flatMap((c) => c.units))
  const units = new Map<string, UnitResult[]>()
  for (const u of all) units.set(nameOf(u), [...(units.get(nameOf(u)) ?? []), u])
  const failed = new Set(all.filter((u) => u.verdict === 'FAIL').map(nameOf))
  return { target: target.label, flaw: labelOf(flaws), standard: results.standard, code, failed: [...failed].sort(), units, out }
}

const nameOf = (u: UnitResult): string => (u.variant ? `${u.id} ${u.variant}` : u.id)
const labelOf = (flaws: readonly string[]): string => (flaws.length ? flaws.join('+') : '(conformant)')

/** Evidence IDs shown per unit; the rest are in the run's evidence file. */
const MAX_IDS = 40

/**
 * What a CI log needs to explain a mismatch without the run's files: each unit that FAILed
 * unexpectedly (+) or did not FAIL as expected (-), with its verdict, reason and evidence IDs.
 */
function explain(row: Row, expected: string[]): string | undefined {
  const unexpected = row.failed.filter((n) => !expected.includes(n)).map((n) => ['+', n] as const)
  const missing = expected.filter((n) => !row.failed.includes(n)).map((n) => ['-', n] as const)
  if (unexpected.length + missing.length === 0) return undefined
  const lines = [...unexpected, ...missing].flatMap(([sign, name]) => {
    const units = row.units.get(name) ?? []
    if (units.length === 0) return [`  ${sign} ${name}: not in results.json`]
    return units.map((u) => {
      const ids = u.evidence ?? []
      const shown = ids.slice(0, MAX_IDS).join(', ') + (ids.length > MAX_IDS ? `, … (${ids.length - MAX_IDS} more)` : '')
      return `  ${sign} ${name}${u.target ? ` [${u.target}]` : ''} ${u.verdict}: ${u.reason}\n      evidence: ${shown || '(none)'}`
    })
  })
  return [`${row.target} ${row.flaw} ${row.standard}: verdicts differ from the matrix (results in ${row.out})`, ...lines].join('\n')
}

/** Prints the explanation first, so the log holds it even when the assertion message is cut. */
function expectFails(row: Row, expected: string[]): void {
  const why = explain(row, expected)
  if (why) console.log(why)
  expect(row.failed, why).toEqual([...expected].sort())
}

/** Runs a few assessments at a time: they mostly wait on the (time-compressed) device. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  return results
}

const key = (target: string, flaw: string, standard: string) => `${target} ${flaw} ${standard}`

/** The runs of flawed devices on a target: one per flaw, or one per bundle. */
const runsOf = (target: Target): ReadonlyArray<readonly FlawName[]> =>
  target.isolated ? FLAW_NAMES.map((f) => [f]) : changesSettings(target) ? SETTINGS_BUNDLES : BUNDLES

/** Whether the lab can change the target's settings: no settings experiment is out of its reach. */
const changesSettings = (target: Target): boolean => !SETTINGS_UNITS.some((u) => target.outOfReach.units.includes(u))

/**
 * What this target must FAIL for the flaw: the API's verdicts, less the units out of its reach. A
 * name stands for every target of the unit, so it stays while one target is within reach.
 */
const expectedFor = (target: Target, fails: string[]) => fails.filter((name) => !target.outOfReach.units.includes(name.split(' ')[0]!))

/** Units out of the target's reach are INCONCLUSIVE (or not applicable) with a reason that says why; never PASS or FAIL. */
function expectOutOfReach(target: Target, row: Row): void {
  for (const [name, results] of row.units) {
    for (const u of results.filter((r) => outOfReach(target, r))) {
      const what = `${row.target} ${row.flaw}: ${name} [${u.target}] ${u.verdict}: ${u.reason}`
      expect(['INCONCLUSIVE', 'NOT APPLICABLE'], what).toContain(u.verdict)
      if (u.verdict === 'INCONCLUSIVE') expect(u.reason, what).toMatch(target.outOfReach.reason)
    }
  }
}

/** One run of the matrix, for the checks a target's file adds on what its device left in evidence. */
export interface MatrixRun {
  code: number
  failed: string[]
  /** Every unit result of the run. */
  results: UnitResult[]
  /** The unit's results (one per target of the unit) by name, `5.3-2-2b signature-removed`. */
  units(name: string): UnitResult[]
  /** The evidence entries the unit's results cite, in the order recorded. */
  evidence(name: string): Promise<RecordedEntry[]>
  /** Every evidence entry of the run. */
  allEvidence(): Promise<RecordedEntry[]>
}

/** A target's runs after its matrix ran: the conformant device's, or the run holding a flaw. */
export interface MatrixRuns {
  run(flaw?: FlawName): MatrixRun
}

async function readEvidence(out: string): Promise<RecordedEntry[]> {
  const text = await readFile(join(out, 'evidence', 'exchanges.jsonl'), 'utf8')
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RecordedEntry)
}

function matrixRun(row: Row): MatrixRun {
  let all: Promise<RecordedEntry[]> | undefined
  const allEvidence = () => (all ??= readEvidence(row.out))
  return {
    code: row.code,
    failed: row.failed,
    results: [...row.units.values()].flat(),
    units: (name) => row.units.get(name) ?? [],
    allEvidence,
    async evidence(name) {
      const cited = new Set((row.units.get(name) ?? []).flatMap((u) => u.evidence ?? []))
      return (await allEvidence()).filter((e) => cited.has(e.id))
    },
  }
}

/**
 * A device without an API is judged from what it sent its update server: on the conformant run,
 * its checks, the attacks it refused and the valid image it installed PASS on UpdMech-Network,
 * and so does the model it reported (the matrix alone would let them be NOT APPLICABLE).
 */
export function describeServerObserved(label: TargetLabel, matrix: MatrixRuns): void {
  // (5.3-5-2b, the periodic checks, is V2.1.1's; the default edition asks for none.)
  const observed = ['5.3-5-2a', '5.3-5-2c', '5.3-9-2a', '5.3-9-2b', '5.3-9-2c', '5.3-10-1d']
  it(`${label}: the conformant device PASSes from what it sent the server`, () => {
    const { results } = matrix.run()
    for (const id of observed) {
      const verdicts = results.filter((u) => u.id === id && u.target === 'UpdMech-Network').map((u) => u.verdict)
      expect(verdicts.length > 0 && verdicts.every((v) => v === 'PASS'), `${id}: ${verdicts.join(', ')}`).toBe(true)
    }
    expect(results.find((u) => u.id === '5.3-16-2a')?.verdict).toBe('PASS')
  })
}

/**
 * The matrix of one target (a file per target, so vitest runs targets side by side). The suites ask
 * the same operations whichever adapter carries them, so the verdicts must not differ. A target's
 * file may look further into the runs (what its kind of device left in evidence) through the
 * returned MatrixRuns, in tests after this describe block.
 */
export function describeMatrix(label: TargetLabel): MatrixRuns {
  const target = TARGETS.find((t) => t.label === label)!
  const rows = new Map<string, Row>()
  /** The run that holds the flaw (its bundle, or it alone), or the conformant device's. */
  const runWith = (flaw?: FlawName): { flaws: readonly FlawName[]; row: Row } => {
    const flaws = flaw ? runsOf(target).find((r) => r.includes(flaw))! : []
    const standard = (flaw && standardOf(flaws)) ?? 'en303645-v3.1.3'
    const row = rows.get(key(label, labelOf(flaws), standard))
    if (!row) throw new Error(`the ${label} matrix has no run for ${labelOf(flaws)} under ${standard}`)
    return { flaws, row }
  }
  describe(`detection matrix of the reference DUT, ${label} (full runs, conceptual and functional)`, () => {
    beforeAll(async () => {
      const jobs: Array<[readonly FlawName[], string | undefined]> = [
        [[], undefined],
        ...(label === 'http' ? [[[], V2] as [FlawName[], string]] : []),
        ...runsOf(target).map((flaws): [readonly FlawName[], string | undefined] => [flaws, standardOf(flaws)]),
      ]
      // V2.1.1 runs first: it has the most units (5.3-6-2b/2d watch the device's notices at every
      // poll), and the longest run, started last, would end the file late on its own.
      jobs.sort(([, a], [, b]) => Number(b === V2) - Number(a === V2))
      for (const row of await inParallel(jobs, target.concurrency ?? 2, ([flaws, standard]) => assess(target, flaws, standard))) {
        rows.set(key(label, row.flaw, row.standard), row)
      }
    }, 1_800_000)

    afterAll(() => {
      const lines = [...rows.values()].map(
        (r) => `${r.target.padEnd(7)} ${r.flaw.padEnd(30)} ${r.standard.padEnd(16)} exit ${r.code}  ${r.failed.join(', ') || '(no FAIL)'}`,
      )
      console.log(['target  flaw                           edition          result', ...lines].join('\n'))
    })

    it('has an expectation for every flaw switch', () => {
      expect(Object.keys(EXPECTED).sort()).toEqual([...FLAW_NAMES].sort())
    })

    it.each(label === 'http' ? ['en303645-v3.1.3', V2] : ['en303645-v3.1.3'])(
      'passes the conformant DUT with no FAIL under %s',
      (standard) => {
        const row = rows.get(key(label, '(conformant)', standard))!
        expectFails(row, [])
        expectOutOfReach(target, row)
        // The conformant device leaves open only what is out of this target's reach.
        const open = [...row.units.values()].flat().filter((u) => u.verdict === 'INCONCLUSIVE')
        expect(open.filter((u) => !outOfReach(target, u)).map((u) => `${nameOf(u)} [${u.target}]: ${u.reason}`)).toEqual([])
        expect(row.code).toBe(open.length ? 2 : 0)
      },
    )

    it.each(FLAW_NAMES.map((f) => [f]))(
      target.isolated ? '%s fails exactly the units it breaks' : '%s fails its units, and its bundle nothing else',
      (flaw) => {
        const { flaws: run, row } = runWith(flaw)
        const fails = run.flatMap((f) => expectedFor(target, [...EXPECTED[f].fails, ...(target.alsoFails?.[f] ?? [])]))
        expectFails(row, fails)
        expectOutOfReach(target, row)
        // A flaw whose every unit is out of reach leaves the run without a FAIL.
        if (fails.length) expect(row.code).toBe(1)
        else expect(row.code).not.toBe(1)
      },
    )
  })

  return {
    run: (flaw) => matrixRun(runWith(flaw).row),
  }
}
