/**
 * What the device sends on its own, as a timeline: requests to the emulator (server.ts) and MQTT
 * messages (mqtt.ts) are both feeds, and each fact is read from a feed the same way. A report
 * counts from the moment it arrived; a caller asking about "since" wants what the device said
 * after something happened (an offer, an installation, a restore), never an older report, so
 * facts take reports from the next millisecond on: one in the same millisecond may predate it.
 */
import type { UpdateOutcome } from '../../core/dut.ts'
import type { ObserveExtract, ObserveOutcomeExtract, OutcomeStates } from '../../profile/types.ts'
import { extractValue, openDetail, readOutcomeReport, type OutcomeReport, type Report } from './extract.ts'
import { notObserved, observed, type CheckSeen, type Reading } from './types.ts'

export interface FeedItem {
  time: number
  evidence: string
  /** e.g. `PUT /status` or `message on devices/1/state`. */
  what: string
  report: Report
}

export interface Feed {
  /** For reasons: `the update server (route inventory)`, `MQTT devices/+/state`. */
  source: string
  /** The reports from `since` on, oldest first. */
  items(since: number): FeedItem[]
  /** The first report from `since` on that satisfies `test`, recorded or still to come; undefined after `timeoutMs`. */
  next(test: (item: FeedItem) => boolean, since: number, timeoutMs: number): Promise<FeedItem | undefined>
}

const after1 = (since: number) => since + 1

const after = (since: number | undefined) => (since === undefined ? '' : ` since ${new Date(since).toISOString()}`)

/** The latest value the device reported from `since` on; the first to come when there is none yet. */
export async function feedValue(
  feed: Feed,
  ex: ObserveExtract,
  what: string,
  since: number | undefined,
  timeoutMs: number,
): Promise<Reading<string>> {
  const from = since === undefined ? Number.NEGATIVE_INFINITY : after1(since)
  let problem: string | undefined
  const valueOf = (item: FeedItem): string | undefined => {
    const got = extractValue(ex, item.report, what)
    if ('value' in got) return got.value
    problem = got.problem
    return undefined
  }
  for (const item of feed.items(from).reverse()) {
    const value = valueOf(item)
    if (value !== undefined) return observed(feed.source, value, [item.evidence], item.time)
  }
  const item = await feed.next((i) => valueOf(i) !== undefined, from, timeoutMs)
  if (item) return observed(feed.source, valueOf(item)!, [item.evidence], item.time)
  const seen = feed.items(from)
  const why = seen.length === 0 ? 'nothing came' : `${seen.length} report(s) came, none with it (last: ${problem})`
  return notObserved(feed.source, `${feed.source} reported no ${what}${after(since)} within ${timeoutMs} ms: ${why}`, evidenceOf(seen))
}

/**
 * The first final outcome reported from `since` on. Reports that came but said nothing final read
 * as `unknown` with what the device last said, as the operations read them; no report at all is
 * not an outcome.
 */
export async function feedOutcome(
  feed: Feed,
  spec: { extract: ObserveOutcomeExtract; states: OutcomeStates; timeoutMs: number },
  since: number,
): Promise<Reading<UpdateOutcome>> {
  const read = (item: FeedItem): OutcomeReport => readOutcomeReport(spec.extract, spec.states, item.report)
  const item = await feed.next((i) => 'final' in read(i), after1(since), spec.timeoutMs)
  if (item) return observed(feed.source, (read(item) as { final: UpdateOutcome }).final, [item.evidence], item.time)
  const seen = feed.items(after1(since))
  const last = seen.at(-1)
  if (!last) return notObserved(feed.source, `${feed.source} reported no outcome${after(since)} within ${spec.timeoutMs} ms`)
  const detail = openDetail(read(last), spec.states, spec.timeoutMs)
  return observed(feed.source, { state: 'unknown', detail }, evidenceOf(seen), last.time)
}

/** Alive when the device sent anything from `since` on; silence for `timeoutMs` is the observation "not alive". */
export async function feedAlive(feed: Feed, since: number, timeoutMs: number): Promise<Reading<boolean>> {
  const item = await feed.next(() => true, after1(since), timeoutMs)
  if (item) return observed(feed.source, true, [item.evidence], item.time)
  return observed(feed.source, false, [], Date.now(), `nothing from ${feed.source}${after(since)} within ${timeoutMs} ms`)
}

export function feedChecks(feed: Feed, since: number, until = Number.POSITIVE_INFINITY): CheckSeen[] {
  return feed
    .items(since)
    .filter((i) => i.time <= until)
    .map((i) => ({ time: i.time, evidence: i.evidence, what: i.what }))
}

/** At most the last few: a reason cites what came, not a day of polls. */
function evidenceOf(items: FeedItem[]): string[] {
  return items.slice(-5).map((i) => i.evidence)
}
