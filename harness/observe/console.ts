/**
 * The `console` source: lines the device prints on its serial console without being asked (an
 * update check starting, an installation's result, the boot banner). The console keeps no history
 * for ts701, so only lines printed while the tap is open are seen: `listen()` opens it at the start
 * of the run, and the tap hears every line, whatever exchange or transfer is running meanwhile.
 */
import type { ConsoleLine, Dut } from '../../core/dut.ts'
import type { ObserveExtract, ObserveOutcomeExtract } from '../../profile/types.ts'
import { Backlog } from './backlog.ts'
import type { Feed, FeedItem } from './feed.ts'
import { ObserveError } from './types.ts'

/** A day of a chatty device is far less; the oldest go first beyond it. */
const KEEP = 20_000

const itemOf = (line: ConsoleLine): FeedItem => ({
  time: line.time,
  evidence: line.evidence(),
  what: `console line ${JSON.stringify(line.text.length > 80 ? `${line.text.slice(0, 79)}…` : line.text)}`,
  report: { text: line.text },
})

export class ConsoleWatcher {
  private readonly lines = new Backlog<ConsoleLine>(KEEP, itemOf)
  private starting: Promise<void> | undefined
  private off: (() => void) | undefined

  constructor(private readonly dut: Dut) {}

  /** Opens the tap once; later calls wait for the same start. */
  start(): Promise<void> {
    this.starting ??= this.open()
    return this.starting
  }

  /** The lines matching `match` (every line when absent). */
  feed(match: string | undefined): Feed {
    const re = match === undefined ? undefined : compile(match)
    const source = re ? `the console (lines matching /${match}/)` : 'the console'
    return this.lines.feed(source, (line) => !re || re.test(line.text))
  }

  close(): void {
    this.lines.close()
    this.off?.()
    this.off = undefined
  }

  private async open(): Promise<void> {
    if (!this.dut.tapConsole)
      throw new ObserveError('E_OBSERVE_CONFIG', 'observations from console need a device console: use adapter.kind serial')
    this.off = await this.dut.tapConsole((line) => this.received(line))
  }

  private received(line: ConsoleLine): void {
    this.lines.push(line)
  }
}

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern)
  } catch (err) {
    throw new ObserveError('E_OBSERVE_CONFIG', `observe: /${pattern}/ is not a regular expression (${(err as Error).message})`)
  }
}

/** The pattern's named group `name`, when it has one: what a console fact without `extract` reads. */
function group(match: string, name: string): ObserveExtract | undefined {
  return match.includes(`(?<${name}>`) ? { regex: match, group: name } : undefined
}

/** A value fact without `extract`: the group named after the fact, else the first group or the whole match. */
export function consoleValueExtract(match: string, fact: string, extract: ObserveExtract | undefined): ObserveExtract {
  return extract ?? group(match, fact) ?? { regex: match }
}

/** An outcome without `extract`: the groups state (else the first group), version and detail. */
export function consoleOutcomeExtract(match: string, extract: ObserveOutcomeExtract | undefined): ObserveOutcomeExtract {
  if (extract) return extract
  const version = group(match, 'version')
  const detail = group(match, 'detail')
  return { state: group(match, 'state') ?? { regex: match }, ...(version && { version }), ...(detail && { detail }) }
}
