/**
 * The observation layer: where the judges read what the device did. A device with an API answers
 * identify and read-outcome; most real update agents only report to their update server, publish
 * over MQTT or can be asked by a lab probe. The profile's `observe` section says which, per fact;
 * a fact it leaves out is read through the operation where the channel declares it, so a device
 * with an API (the reference DUT) is observed exactly as before.
 */
import type { Dut, UpdateOutcome } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import { withMasker } from '../../core/mask.ts'
import type { AliveFact, ChecksFact, DutProfile, MqttFact, OutcomeFact, ServerFact, VersionFact } from '../../profile/types.ts'
import { feedAlive, feedChecks, feedOutcome, feedValue, type Feed } from './feed.ts'
import { ConsoleWatcher, consoleOutcomeExtract, consoleValueExtract } from './console.ts'
import { brokerOf, MqttWatcher } from './mqtt.ts'
import { operationAlive, operationOutcome, operationVersion } from './operation.ts'
import { probeAlive, probeOutcome, probeValue, type ProbeContext } from './probe.ts'
import { identityFilter, type IdentityFilter } from './identity.ts'
import { clientMix, describeMatch, hitMatcher, nonImageRequests, ownRequests, serverFeed, type HitSource } from './server.ts'
import { notObserved, ObserveError, type CheckSeen, type ClientMix, type FactSources, type Reading } from './types.ts'

export * from './types.ts'
export type { HitSource } from './server.ts'

/** What a judge may ask; `since` and `waitMs` are epoch ms and real ms. */
export interface SessionObserve {
  /** Which source answers each fact, for the judges' waits and reasons. */
  readonly sources: FactSources
  /** How long `outcome` may wait for a final report; undefined when nothing reports outcomes. */
  readonly outcomeTimeoutMs: number | undefined
  /** Starts the passive sources the profile names (emulator, MQTT subscriber): what the device says from now on is kept. */
  listen(): Promise<void>
  /**
   * The installed version: the latest report from `since` on (any time when absent), waiting for
   * one to come when there is none yet. `waitMs`: a device that may be restarting is given that long.
   */
  version(options?: { since?: number; waitMs?: number }): Promise<Reading<string>>
  /** The model designation, read as the version is (identify by default). */
  model(options?: { since?: number; waitMs?: number }): Promise<Reading<string>>
  /** The outcome of the last delivery, as the device reported it from `since` on. */
  outcome(since: number): Promise<Reading<UpdateOutcome>>
  /** The update checks the device made between `since` and `until`. */
  checks(since: number, until?: number): Promise<CheckSeen[]>
  /** The first update check from `since` on, made already or within `timeoutMs`. */
  nextCheck(since: number, timeoutMs: number): Promise<CheckSeen | undefined>
  /**
   * Other clients of the update server between `since` and `until`: left out and listed when the
   * profile declares the device's identity, else only whether the counted checks name several devices.
   */
  clients(since: number, until: number): Promise<ClientMix>
  /** Whether the device works: false when it showed no sign of life (then `detail` says what was watched). */
  alive(options?: { since?: number; waitMs?: number }): Promise<Reading<boolean>>
  close(): Promise<void>
}

export interface ObserveDeps {
  profile: DutProfile
  dut: Dut
  evidence: EvidenceLog
  /** The run's emulator, started on first use. */
  emulator: () => Promise<HitSource>
  /** The credentials the lab read for the profile (broker password, probe environment). */
  credentials: Record<string, string>
}

type FeedFact = ServerFact | MqttFact | Exclude<ChecksFact, { from: 'console' }>

const DEFAULT_OUTCOME_MS = 60_000

const undeclared = (fact: string, operation: string): Reading<never> =>
  notObserved('nothing', `the DUT profile declares no ${operation} operation and no observe.${fact}`, [], false)

export class Observer implements SessionObserve {
  readonly sources: FactSources
  private readonly facts: { version?: VersionFact; model?: VersionFact; outcome?: OutcomeFact; checks?: ChecksFact; alive?: AliveFact }
  private watcher: MqttWatcher | undefined
  private console: ConsoleWatcher | undefined
  private readonly identity: IdentityFilter | undefined

  constructor(private readonly d: ObserveDeps) {
    const o = d.profile.observe ?? {}
    this.identity = o.identity && identityFilter(o.identity)
    const op = (name: 'identify' | 'read-outcome') => (d.dut.supports(name) ? { from: 'operation' as const } : undefined)
    this.facts = {
      ...((o.version ?? op('identify')) && { version: o.version ?? op('identify')! }),
      ...((o.model ?? op('identify')) && { model: o.model ?? op('identify')! }),
      ...((o.outcome ?? op('read-outcome')) && { outcome: o.outcome ?? op('read-outcome')! }),
      ...(o.checks && { checks: o.checks }),
      ...((o.alive ?? op('identify')) && { alive: o.alive ?? op('identify')! }),
    }
    this.sources = {
      version: this.facts.version?.from,
      model: this.facts.model?.from,
      outcome: this.facts.outcome?.from,
      checks: this.facts.checks?.from ?? 'server',
      alive: this.facts.alive?.from,
    }
  }

  get outcomeTimeoutMs(): number | undefined {
    const fact = this.facts.outcome
    if (!fact) return undefined
    return fact.from === 'operation' ? (this.d.profile.operations['read-outcome']?.timeoutMs ?? DEFAULT_OUTCOME_MS) : fact.timeoutMs
  }

  /**
   * What the device said is quoted in the reasons when a fact cannot be read from it; the quotes
   * (harness/observe/extract.ts) mask the secrets the run knows before they cut.
   */
  private masked<T>(work: () => Promise<T>): Promise<T> {
    return withMasker(this.d.evidence.masker, work)
  }

  async listen(): Promise<void> {
    const { version, model, outcome, checks, alive } = this.facts
    const used = [version, model, outcome, checks, alive].map((f) => f?.from)
    if (used.includes('server')) await this.d.emulator()
    if (used.includes('mqtt')) await this.mqtt().start()
    if (used.includes('console')) await this.tap().start()
  }

  version(options: { since?: number; waitMs?: number } = {}): Promise<Reading<string>> {
    return this.masked(() => this.value('version', options))
  }

  model(options: { since?: number; waitMs?: number } = {}): Promise<Reading<string>> {
    return this.masked(() => this.value('model', options))
  }

  private async value(name: 'version' | 'model', options: { since?: number; waitMs?: number }): Promise<Reading<string>> {
    const fact = this.facts[name]
    if (!fact) return undeclared(name, 'identify')
    const wait = (timeoutMs: number) => Math.max(timeoutMs, options.waitMs ?? 0)
    switch (fact.from) {
      case 'operation':
        return this.d.dut.supports('identify')
          ? operationVersion(this.d.dut, this.d.evidence, options.waitMs, name)
          : undeclared(name, 'identify')
      case 'probe':
        return probeValue(fact, this.probe(), name, options.waitMs)
      case 'console':
        return feedValue(
          await this.consoleFeed(fact.match),
          consoleValueExtract(fact.match, name, fact.extract),
          name,
          options.since,
          wait(fact.timeoutMs),
        )
      default:
        return feedValue(await this.feed(fact), fact.extract, name, options.since, wait(fact.timeoutMs))
    }
  }

  outcome(since: number): Promise<Reading<UpdateOutcome>> {
    return this.masked(() => this.outcomeSince(since))
  }

  private async outcomeSince(since: number): Promise<Reading<UpdateOutcome>> {
    const fact = this.facts.outcome
    if (!fact) return undeclared('outcome', 'read-outcome')
    switch (fact.from) {
      case 'operation':
        return this.d.dut.supports('read-outcome') ? operationOutcome(this.d.dut, this.d.evidence) : undeclared('outcome', 'read-outcome')
      case 'probe':
        return probeOutcome(fact, this.probe())
      case 'console':
        return feedOutcome(await this.consoleFeed(fact.match), { ...fact, extract: consoleOutcomeExtract(fact.match, fact.extract) }, since)
      default:
        return feedOutcome(await this.feed(fact), fact, since)
    }
  }

  async checks(since: number, until?: number): Promise<CheckSeen[]> {
    return feedChecks(await this.checksFeed(), since, until)
  }

  async nextCheck(since: number, timeoutMs: number): Promise<CheckSeen | undefined> {
    const item = await (await this.checksFeed()).next(() => true, since, timeoutMs)
    return item && { time: item.time, evidence: item.evidence, what: item.what }
  }

  async clients(since: number, until: number): Promise<ClientMix> {
    const checks = this.facts.checks
    if (checks && checks.from !== 'server') return { declared: this.identity !== undefined, strangers: [] }
    const hits = (await this.d.emulator()).hits().filter((h) => h.time >= since && h.time <= until)
    const routes = this.d.profile.updateServer?.routes ?? []
    return clientMix(hits, this.identity, checks ? hitMatcher(checks) : nonImageRequests(routes), routes)
  }

  alive(options: { since?: number; waitMs?: number } = {}): Promise<Reading<boolean>> {
    return this.masked(() => this.aliveNow(options))
  }

  private async aliveNow(options: { since?: number; waitMs?: number }): Promise<Reading<boolean>> {
    const fact = this.facts.alive
    if (!fact) return undeclared('alive', 'identify')
    switch (fact.from) {
      case 'operation':
        return this.d.dut.supports('identify')
          ? operationAlive(this.d.dut, this.d.evidence, options.waitMs)
          : undeclared('alive', 'identify')
      case 'probe':
        return probeAlive(fact, this.probe(), options.waitMs)
      case 'console':
        return feedAlive(await this.consoleFeed(fact.match), options.since ?? Date.now(), Math.max(fact.timeoutMs, options.waitMs ?? 0))
      default:
        return feedAlive(await this.feed(fact), options.since ?? Date.now(), Math.max(fact.timeoutMs, options.waitMs ?? 0))
    }
  }

  async close(): Promise<void> {
    this.console?.close()
    await this.watcher?.close()
  }

  private checksFeed(): Promise<Feed> {
    const checks = this.facts.checks
    if (checks?.from === 'console') return this.consoleFeed(checks.match)
    if (checks) return this.feed(checks)
    // Without a declaration, what counted before: every request the emulator did not answer with the image.
    const all = nonImageRequests(this.d.profile.updateServer?.routes ?? [])
    return serverFeed(this.d.emulator, ownRequests(all, this.identity), 'the update server')()
  }

  private async feed(fact: FeedFact): Promise<Feed> {
    if (fact.from === 'mqtt') {
      const watcher = this.mqtt()
      await watcher.start()
      return watcher.feed(fact.topic)
    }
    if (!this.d.profile.updateServer)
      throw new ObserveError('E_OBSERVE_CONFIG', 'an observation from the update server needs updateServer in the DUT profile')
    return serverFeed(this.d.emulator, ownRequests(hitMatcher(fact), this.identity), describeMatch(fact))()
  }

  private async consoleFeed(match: string | undefined): Promise<Feed> {
    const tap = this.tap()
    await tap.start()
    return tap.feed(match)
  }

  private tap(): ConsoleWatcher {
    this.console ??= new ConsoleWatcher(this.d.dut)
    return this.console
  }

  private mqtt(): MqttWatcher {
    const topics = [this.facts.version, this.facts.outcome, this.facts.checks, this.facts.alive].flatMap((f) =>
      f?.from === 'mqtt' ? [f.topic] : [],
    )
    this.watcher ??= new MqttWatcher(brokerOf(this.d.profile, this.d.credentials), topics, this.d.evidence)
    return this.watcher
  }

  private probe(): ProbeContext {
    return { evidence: this.d.evidence, profileFile: this.d.profile.file, env: this.d.credentials }
  }
}
