/**
 * Who checks for updates, whether a check follows initialization, and how often.
 *
 * `checking` needs `by` and `afterInitialization`, and an absent `period` means "no periodic
 * check". So the reader suggests the fact only when all three can be read: a stated period, or a
 * stated absence of one ("no periodic check", "only after boot", or a device that "does not check
 * for updates itself" when the user checks by hand). "Checks after every boot" alone says nothing
 * about periodic checks and gives no suggestion.
 *
 * Periods are written as ISO-8601 durations in the largest whole unit of days, hours, minutes or
 * seconds: 24 hours -> P1D, 90 minutes -> PT90M, 6 hours -> PT6H, weekly -> P7D (days, not weeks,
 * so that equal periods are equal strings), monthly -> P1M.
 */
import type { UpdMechFacts } from '../../ixit/types.ts'
import type { UpdMechTextField } from '../suggest.ts'
import type { FieldAnswer } from './fields.ts'
import { clausesOf, type Sentence } from './text.ts'

type Checking = NonNullable<UpdMechFacts['checking']>
type Checker = Checking['by']

const CHECK_VERB = /\b(?:check(?:s|ed|ing)?|poll(?:s|ed|ing)?|quer(?:y|ies|ied|ying)|asks?|asked|looks? for|search(?:es)? for|contacts?)\b/i
const CHECK_OBJECT =
  /\b(?:updates?|(?:update|firmware|vendor|backend|hawkBit|cloud) server|new (?:firmware|software|versions?|releases?)|deployments?)\b/i
/** Checks that are not update checks. */
const OTHER_CHECK = /\b(?:signature|health|integrity|consistency|hash|version|plausibility|compatibility) checks?\b/i

/** A clause about checking for updates; in the updateChecking field any "check" or "poll" counts. */
function isCheckClause(clause: string, field: UpdMechTextField): boolean {
  if (/\bupdate checks?\b|\bchecks? for (?:new )?updates?\b/i.test(clause) || PERIOD_DENIED.test(clause)) return true
  const verb = CHECK_VERB.exec(clause)
  if (verb && CHECK_OBJECT.test(clause.slice(verb.index, verb.index + verb[0].length + 50))) return true
  return field === 'updateChecking' && /\b(?:check(?:s|ed|ing)?|poll(?:s|ed|ing)?)\b/i.test(clause) && !OTHER_CHECK.test(clause)
}

const CHECKERS: ReadonlyArray<readonly [RegExp, Checker]> = [
  [/\b(?:companion app|mobile app|app|application|cloud(?: service)?|backend|hub|bridge|home server|controller)\b/gi, 'associated-service'],
  [/\b(?:users?|owners?|customers?|technicians?|installers?|operators?|administrators?)\b/gi, 'user'],
  [/\b(?:device|DUT|client|firmware|product|unit|update agent|itself)\b|\bit\b/gi, 'dut'],
]

/** The entity nearest before `end`: the subject of an active clause ("The device itself checks"). */
function nearestChecker(text: string): Checker | undefined {
  let best: { at: number; who: Checker } | undefined
  for (const [pattern, who] of CHECKERS) {
    for (const m of text.matchAll(pattern)) if (!best || m.index > best.at) best = { at: m.index, who }
  }
  return best?.who
}

/** Who checks in this clause: "manually" means the user; else the subject; else the agent of a passive ("checked by the app"). */
function checkerIn(clause: string): Checker | undefined {
  if (/\bmanually\b/i.test(clause)) return 'user'
  const verb = CHECK_VERB.exec(clause)
  const subject = verb ? nearestChecker(clause.slice(0, verb.index)) : undefined
  if (subject) return subject
  const agent = /\bby the (\w+(?: \w+)?)/i.exec(clause)
  return agent ? nearestChecker(agent[1]!) : undefined
}

const CHECK_DENIED =
  /\b(?:does not|doesn't|do not|don't|never|cannot|can't|will not|won't|no longer)\s+(?:\w+\s+)?(?:checks?|polls?|looks?|search(?:es)?|quer(?:y|ies)|asks?)\b|\bno automatic (?:update )?checks?\b/i
const PERIOD_DENIED =
  /\bno (?:periodic|regular|recurring|further) (?:update )?checks?\b|\b(?:does not|doesn't|do not|never) (?:\w+ )?check (?:for updates )?(?:periodically|regularly)\b|\bnot periodically\b|\bonly (?:once )?(?:at|after|on|upon) (?:each |every )?(?:boot|start-?up|power-?on|reboot|initiali[sz]ation)\b/i

const AFTER_INITIALIZATION = [
  /\b(?:after|at|on|upon|during|following|as soon as)\b[^.;]{0,30}?\b(?:boot(?:s|ing|-?up)?|start-?up|power(?:ed)?[- ]?(?:on|up)|initiali[sz](?:ation|ed|es)|reboots?|restarts?)\b/i,
  /\b(?:after|on|upon) (?:each |every )?start\b|\bwhen (?:it|the (?:device|DUT|client|firmware)) (?:starts|boots|powers up|is powered on|is switched on)\b/i,
]
const NOT_AFTER_INITIALIZATION =
  /\bnot (?:\w+ )?(?:at|after|on|upon) (?:boot|start-?up|power-?on|initiali[sz]ation)\b|\bno check (?:at|after|on|upon) (?:boot|start-?up|power-?on)\b/i

// --- periods ----------------------------------------------------------------------------------

// prettier-ignore
const WORDS: Readonly<Record<string, number>> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  fifteen: 15, twenty: 20, 'twenty-four': 24, thirty: 30, 'forty-eight': 48, sixty: 60,
}
const WORD = Object.keys(WORDS).join('|')
/** A count before a unit: digits, with or without a space ("24h", "24 hours"), or a word and a space ("two minutes"). */
const NUMBER = String.raw`(?:(\d+) ?|(${WORD}) )`
const UNIT = String.raw`(seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|months?)`

const SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }
function unitSeconds(unit: string): number | 'month' {
  const u = unit.toLowerCase()
  if (u.startsWith('mo')) return 'month'
  if (u.startsWith('mi')) return 60
  return SECONDS[u[0]!]!
}
const count = (digits: string | undefined, word?: string): number =>
  digits !== undefined ? Number(digits) : word !== undefined ? WORDS[word.toLowerCase()]! : 1

/** Largest whole unit of days, hours, minutes, seconds (months kept as months). */
export function isoDuration(amount: number, unit: string): string | undefined {
  const per = unitSeconds(unit)
  if (per === 'month') return Number.isInteger(amount) && amount > 0 ? `P${amount}M` : undefined
  const s = amount * per
  if (!Number.isInteger(s) || s <= 0) return undefined
  if (s % 86_400 === 0) return `P${s / 86_400}D`
  if (s % 3600 === 0) return `PT${s / 3600}H`
  if (s % 60 === 0) return `PT${s / 60}M`
  return `PT${s}S`
}

const PERIODS: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => string | undefined]> = [
  // Not "every second day", which is every two days.
  [
    new RegExp(String.raw`\bevery ${NUMBER}?${UNIT}\b(?! (?:day|week|hour|minute|month|time)s?\b)`, 'gi'),
    (m) => isoDuration(count(m[1], m[2]), m[3]!),
  ],
  [new RegExp(String.raw`\bintervals? of ${NUMBER}${UNIT}\b`, 'gi'), (m) => isoDuration(count(m[1], m[2]), m[3]!)],
  [/\bonce (?:a|per|each|every) (day|week|hour|month)\b/gi, (m) => isoDuration(1, m[1]!)],
  [/\b(?:each|every) night\b|\b(?:daily|nightly)\b/gi, () => 'P1D'],
  [/\bweekly\b/gi, () => 'P7D'],
  [/\bhourly\b/gi, () => 'PT1H'],
  [/\bmonthly\b/gi, () => 'P1M'],
  [/\btwice (?:a |per )?(day|daily|hour|week)\b/gi, (m) => isoDuration(0.5, m[1] === 'daily' ? 'day' : m[1]!)],
  [new RegExp(String.raw`\b${NUMBER}times (?:a|per|each) (day|hour|week)\b`, 'gi'), (m) => isoDuration(1 / count(m[1], m[2]), m[3]!)],
]

function periodsIn(clause: string): string[] {
  const found: string[] = []
  for (const [pattern, period] of PERIODS) {
    for (const m of clause.matchAll(pattern)) {
      const p = period(m)
      if (p) found.push(p)
    }
  }
  return found
}

// --- the fact ---------------------------------------------------------------------------------

interface CheckClause {
  sentence: Sentence
  clause: string
  who: Checker | undefined
  denied: boolean
  secondary: boolean
}

export function readChecking(sentences: Sentence[]): FieldAnswer<Checking> {
  const clauses: CheckClause[] = sentences.flatMap((sentence) =>
    clausesOf(sentence.text)
      .filter((clause) => isCheckClause(clause, sentence.field))
      .map((clause) => ({
        sentence,
        clause,
        who: checkerIn(clause),
        denied: CHECK_DENIED.test(clause) && !PERIOD_DENIED.test(clause),
        secondary: /\bcan also\b|\balternatively\b|\boptionally\b/i.test(clause),
      })),
  )
  const checks = clauses.filter((c) => !c.denied)
  // A device or service that checks on its own is the checker; a user's "Check now" is then an extra.
  const automatic = new Set(checks.filter((c) => !c.secondary && c.who !== undefined && c.who !== 'user').map((c) => c.who!))
  if (automatic.size > 1) return 'conflict'
  if (automatic.size === 1) return automaticChecking([...automatic][0]!, checks)

  // Only the user checks: that needs the text to say the device (or its service) does not.
  const byUser = checks.find((c) => c.who === 'user')
  const noAutomatic = clauses.find((c) => c.denied && c.who !== 'user')
  if (byUser && noAutomatic)
    return { value: { by: 'user', afterInitialization: false }, sentences: [noAutomatic.sentence, byUser.sentence] }
  return undefined
}

function automaticChecking(by: Checker, checks: readonly CheckClause[]): FieldAnswer<Checking> {
  // Clauses of this checker, and clauses without a subject of their own ("Further checks follow every 6 hours").
  const own = checks.filter((c) => c.who === by || c.who === undefined)
  const subject = own.find((c) => c.who === by)!
  const after = own.find((c) => AFTER_INITIALIZATION.some((p) => p.test(c.clause)))
  const notAfter = own.find((c) => NOT_AFTER_INITIALIZATION.test(c.clause))
  if (!after === !notAfter) return undefined
  const periods = own.flatMap((c) => periodsIn(c.clause).map((period) => ({ period, c })))
  const distinct = new Set(periods.map((p) => p.period))
  if (distinct.size > 1) return undefined
  const denial = own.find((c) => PERIOD_DENIED.test(c.clause))
  if (distinct.size === 1 && denial) return undefined
  if (distinct.size === 0 && !denial) return undefined
  const value: Checking = { by, afterInitialization: after !== undefined }
  const used = [subject.sentence, (after ?? notAfter)!.sentence]
  if (periods[0]) {
    value.period = periods[0].period
    used.push(periods[0].c.sentence)
  } else used.push(denial!.sentence)
  return { value, sentences: used }
}
