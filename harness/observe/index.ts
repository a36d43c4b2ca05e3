/**
 * The observation layer: where the judges read what the device did. A device with an API answers
 * identify and read-outcome; most real update agents only report to their update server, publish
 * over MQTT or can be asked by a lab probe. The profile's `observe` section says which, per fact;
 * a fact it leaves out is read through the operation where the channel declares it, so a device
 * with an API (the reference DUT) is observed exactly as before.
 */
import type { Dut, UpdateOutcome } from '../../core/dut.ts'
import type { EvidenceLog } from '../../core/evidence.ts'
import type { AliveFact, ChecksFact, DutProfile, MqttFact, OutcomeFact, ServerFact, VersionFact } from '../../profile/types.ts'
import { feedAlive, feedChecks, feedOutcome, feedValue, type Feed } from './feed.ts'
import { brokerOf, MqttWatcher } from './mqtt.ts'
import { operationAlive, operationOutcome, operationVersion } from './operation.ts'
import { probeAlive, probeOutcome, probeValue, type ProbeContext } from './probe.ts'
import { describeMatch, hitMatcher, nonImageRequests, serverFeed, type HitSource } from './server.ts'
import { notObserved, ObserveError, type CheckSeen, type FactSources, type Reading } from './types.ts'

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
  /** The outcome of the last delivery, as the device reported it from `since` on. */
  outcome(since: number): Promise<Reading<UpdateOutcome>>
  /** The update checks the device made between `since` and `until`. */
  checks(since: number, until?: number): Promise<CheckSeen[]>
  /** The first update check from `since` on, made already or within `timeoutMs`. */
  nextCheck(since: number, timeoutMs: number): Promise<CheckSeen | undefined>
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

type FeedFact = ServerFact | MqttFact | (ChecksFact & { timeoutMs?: number })

const DEFAULT_OUTCOME_MS = 60_000

const undeclared = (fact: string, operation: string): Reading<never> =>
  notObserved('nothing', `the DUT profile declares no ${operation} operation and no observe.${fact}`, [], false)

export class Observer implements SessionObserve {
  readonly sources: FactSources
  private readonly facts: { version?: VersionFact; outcome?: OutcomeFact; checks?: ChecksFact; alive?: AliveFact }
  private watcher: MqttWatcher | undefined

  constructor(private readonly d: ObserveDeps) {
    const o = d.profile.observe ?? {}
    const op = (name: 'identify' | 'read-outcome') => (d.dut.supports(name) ? { from: 'operation' as const } : undefined)
    this.facts = {
      ...((o.version ?? op('identify')) && { version: o.version ?? op('identify')! }),
      ...((o.outcome ?? op('read-outcome')) && { outcome: o.outcome ?? op('read-outcome')! }),
      ...(o.checks && { checks: o.checks }),
      ...((o.alive ?? op('identify')) && { alive: o.alive ?? op('identify')! }),
    }
    this.sources = {
      version: this.facts.version?.from,
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

  async listen(): Promise<void> {
    const used = [this.facts.version, this.facts.outcome, this.facts.checks, this.facts.alive].map((f) => f?.from)
    if (used.includes('server')) await this.d.emulator()
    if (used.includes('mqtt')) await this.mqtt().start()
  }

  async version(options: { since?: number; waitMs?: number } = {}): Promise<Reading<string>> {
    const fact = this.facts.version
    if (!fact) return undeclared('version', 'identify')
    switch (fact.from) {
      case 'operation':
        return this.d.dut.supports('identify')
          ? operationVersion(this.d.dut, this.d.evidence, options.waitMs)
          : undeclared('version', 'identify')
      case 'probe':
        return probeValue(fact, this.probe(), 'version', options.waitMs)
      default:
        return feedValue(await this.feed(fact), fact.extract, 'version', options.since, Math.max(fact.timeoutMs, options.waitMs ?? 0))
    }
  }

  async outcome(since: number): Promise<Reading<UpdateOutcome>> {
    const fact = this.facts.outcome
    if (!fact) return undeclared('outcome', 'read-outcome')
    switch (fact.from) {
      case 'operation':
        return this.d.dut.supports('read-outcome') ? operationOutcome(this.d.dut, this.d.evidence) : undeclared('outcome', 'read-outcome')
      case 'probe':
        return probeOutcome(fact, this.probe())
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

  async alive(options: { since?: number; waitMs?: number } = {}): Promise<Reading<boolean>> {
    const fact = this.facts.alive
    if (!fact) return undeclared('alive', 'identify')
    switch (fact.from) {
      case 'operation':
        return this.d.dut.supports('identify')
          ? operationAlive(this.d.dut, this.d.evidence, options.waitMs)
          : undeclared('alive', 'identify')
      case 'probe':
        return probeAlive(fact, this.probe(), options.waitMs)
      default:
        return feedAlive(await this.feed(fact), options.since ?? Date.now(), Math.max(fact.timeoutMs, options.waitMs ?? 0))
    }
  }

  async close(): Promise<void> {
    await this.watcher?.close()
  }

  private checksFeed(): Promise<Feed> {
    if (this.facts.checks) return this.feed(this.facts.checks)
    // Without a declaration, what counted before: every request the emulator did not answer with the image.
    return serverFeed(this.d.emulator, nonImageRequests(this.d.profile.updateServer?.routes ?? []), 'the update server')()
  }

  private async feed(fact: FeedFact): Promise<Feed> {
    if (fact.from === 'mqtt') {
      const watcher = this.mqtt()
      await watcher.start()
      return watcher.feed(fact.topic)
    }
    if (!this.d.profile.updateServer)
      throw new ObserveError('E_OBSERVE_CONFIG', 'an observation from the update server needs updateServer in the DUT profile')
    return serverFeed(this.d.emulator, hitMatcher(fact), describeMatch(fact))()
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
