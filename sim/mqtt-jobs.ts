import { randomBytes } from 'node:crypto'
import type { MqttClient } from 'mqtt'
import { sleep } from '../core/duration.ts'
import type { ReferenceDut } from './device.ts'
import { SimError, errorCode, errorMessage } from './errors.ts'
import {
  deviceTopics,
  MqttLink,
  OnBroker,
  type DeviceTopics,
  SETTINGS_COMMANDS,
  settingsCommands,
  type Body,
  type MqttLinkOptions,
} from './mqtt-link.ts'
import type { StatusView } from './status.ts'
import type { Trigger } from './update-client.ts'

/**
 * Mode `jobs`: the reference DUT as an MQTT jobs agent (in the manner of AWS IoT Jobs clients).
 * There is no lab API on the broker: the agent announces its own update checks, reports each
 * installation as a job execution status, keeps its state retained, and takes jobs that name
 * an image URL. The update checks themselves still go to the HTTPS update server.
 *
 * Topics, under `ts701/<hardwareId>` (the topic root):
 *
 * | topic | direction | payload |
 * |---|---|---|
 * | `…/availability` | device, retained | `online` / `offline` (also the last will) |
 * | `…/state` | device, retained | `{model, hardwareId, firmware: {version, counter}, settings, time}`; again on every connect, check and job end |
 * | `…/jobs/get` | device | `{clientToken, trigger: boot\|periodic\|user, time}` when an update check begins |
 * | `…/jobs/<jobId>/update` | device | `{status: IN_PROGRESS\|SUCCEEDED\|FAILED\|REJECTED, statusDetails: {step?, version?, reason?}, clientToken}` |
 * | `…/jobs/notify-next` | lab | a job `{jobId, url, sha256?, size?}`: fetch the image, verify, install |
 * | `…/events/notification` | device | each notification shown `{time, kind, text}` |
 * | `…/cmd/<name>`, `…/reply/<name>` | lab, device | the lamp's settings, as its app uses them |
 *
 * The settings commands stay (`settings/get`, `settings/set`, `update/postpone`,
 * `notifications/postpone`, `notifications/list`): a lamp's app changes them over the same broker,
 * and the notification list is what the app shows. Identify, update status, check, reboot, factory
 * reset and restore are not there: the agent does not subscribe to them, so they go unanswered, as
 * on a real agent. The lab power-cycles, reflashes and resets through its bench instead.
 *
 * A successful installation is reported after the restart, from the new firmware (SUCCEEDED with
 * the version it booted), as agents do that persist the job across the reboot; a refusal is
 * reported at once (FAILED), a job that cannot be read is REJECTED. Installations the update
 * server offered become jobs too (`ota-<n>`), so every outcome has a status. The connection
 * itself (power cycles, last will, reconnects) is `MqttLink`'s, shared with the command front end.
 */
export type JobsAgentOptions = MqttLinkOptions

export interface JobsTopics extends DeviceTopics {
  /** The check announcement. */
  jobsGet: string
  notifyNext: string
  jobUpdate(jobId: string): string
  /** Every job's status topic (a subscription filter). */
  jobUpdates: string
}

export function jobsTopics(root: string): JobsTopics {
  return {
    ...deviceTopics(root),
    jobsGet: `${root}/jobs/get`,
    notifyNext: `${root}/jobs/notify-next`,
    jobUpdate: (jobId) => `${root}/jobs/${jobId}/update`,
    jobUpdates: `${root}/jobs/+/update`,
  }
}

export type JobStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED'

type Handler = (body: Body) => Body

interface Job {
  id: string
  /** The version running when the job began: a restart back into it is no success. */
  from: string
}

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/
const SEEN_LIMIT = 1000
const QUEUE_LIMIT = 100
/**
 * Between a job's final status and the state refresh that follows it. The lab stamps what it
 * observes by the millisecond and reads the version "after the report": both in one millisecond
 * would leave the refresh unread.
 */
const REPORT_GAP_MS = 3

export class JobsAgent extends OnBroker {
  readonly topics: JobsTopics
  protected readonly link: MqttLink
  /** Checks made before the connection stood: announced once it does. */
  private unannounced: Trigger[] = []
  private readonly seen = new Set<string>()
  private readonly handlers: Map<string, Handler>
  /** The job the device is working on. */
  private job: Job | undefined
  /** An installed job, reported once the device runs again. */
  private awaitingBoot: Job | undefined
  private attempts: number
  private otaJobs = 0

  constructor(
    private readonly device: ReferenceDut,
    options: JobsAgentOptions,
  ) {
    super()
    this.link = new MqttLink(device, options, {
      name: 'jobs agent',
      closeReason: 'agent closed',
      // The settings commands are all the agent keeps on `cmd/`; nothing else there is subscribed to.
      subscriptions: () => [this.topics.notifyNext, ...SETTINGS_COMMANDS.map((c) => this.topics.cmd(c))],
      deferLimit: QUEUE_LIMIT,
      announce: (client) => this.announce(client),
      message: (topic, payload) => this.receive(topic, payload),
      goingDown: () => {
        // Checks not announced and a job that did not finish belong to the power cycle that ended.
        this.unannounced = []
        this.job = undefined
      },
    })
    this.topics = jobsTopics(this.link.root)
    this.handlers = new Map(Object.entries(settingsCommands(device)))
    this.attempts = device.statusView().attempt
  }

  /** Follows the device's power cycles; resolves once connected (fails after `connectTimeoutMs`). */
  async start(): Promise<void> {
    const d = this.device
    this.link.own(
      d.signals.status.on((view) => this.onStatus(view)),
      d.signals.check.on((check) => this.onCheck(check.trigger)),
    )
    await this.link.start()
  }

  /**
   * After the subscription and `online` on every CONNACK: report a job the restart finished,
   * publish the state, then announce the checks made while the connection was not yet there.
   */
  private async announce(client: MqttClient): Promise<void> {
    const finished = this.awaitingBoot
    if (finished) {
      this.awaitingBoot = undefined
      const version = this.device.firmware().version
      if (version !== finished.from) await this.report(client, finished.id, 'SUCCEEDED', { version })
      else await this.report(client, finished.id, 'FAILED', { version, reason: 'the device came back on the version it had' })
      await sleep(REPORT_GAP_MS)
    }
    await this.link.publishState(client)
    for (const trigger of this.unannounced.splice(0)) await this.announceCheck(client, trigger)
  }

  // --- what the device does on its own -------------------------------------------------------------

  private onCheck(trigger: Trigger): void {
    const client = this.link.client
    if (client?.connected && this.link.ready) {
      void this.track(this.announceCheck(client, trigger, true))
    } else if (this.device.isUp && this.unannounced.length < QUEUE_LIMIT) {
      this.unannounced.push(trigger)
    }
  }

  /** The shadow-style state refresh, then the request for jobs that marks the check. */
  private async announceCheck(client: MqttClient, trigger: Trigger, refresh = false): Promise<void> {
    if (refresh) await this.link.publishState(client)
    const message = { clientToken: token(), trigger, time: this.device.clock.now().toISOString() }
    await client.publishAsync(this.topics.jobsGet, JSON.stringify(message), { qos: 1 })
  }

  /**
   * Turns the device's update status into job executions: work starting without a job is an
   * installation the update server offered; a final state ends the job (or, pending the user,
   * leaves it in progress).
   */
  private onStatus(view: StatusView): void {
    if (view.attempt > this.attempts) {
      this.attempts = view.attempt
      this.settled(view)
      return
    }
    if ((view.state === 'downloading' || view.state === 'verifying') && !this.job) {
      this.otaJobs += 1
      this.job = { id: `ota-${this.otaJobs}`, from: view.version }
      this.status(this.job.id, 'IN_PROGRESS', { step: view.state, ...(view.detail && { detail: view.detail }) })
    }
  }

  private settled(view: StatusView): void {
    if (view.state === 'idle') return
    let job = this.job
    if (!job) {
      this.otaJobs += 1
      job = { id: `ota-${this.otaJobs}`, from: view.version }
    }
    if (view.state === 'pending-user') {
      this.job = job
      this.status(job.id, 'IN_PROGRESS', { step: 'awaiting-user', ...(view.detail && { detail: view.detail }) }, true)
      return
    }
    this.job = undefined
    if (view.state === 'installed') {
      // The device restarts now; the new firmware reports the job.
      this.awaitingBoot = job
      return
    }
    this.status(job.id, 'FAILED', { version: view.version, reason: view.detail ?? 'the installation failed' }, true)
  }

  /** Publishes a job status, and with `refresh` the state after it. */
  private status(jobId: string, status: JobStatus, details: Body, refresh = false): void {
    const client = this.link.client
    if (!client?.connected) return
    void this.track(
      (async () => {
        await this.report(client, jobId, status, details)
        if (!refresh) return
        await sleep(REPORT_GAP_MS)
        await this.link.publishState(client)
      })(),
    )
  }

  private async report(client: MqttClient, jobId: string, status: JobStatus, details: Body): Promise<void> {
    const message = { status, statusDetails: details, clientToken: token() }
    this.device.log.add('mqtt', `job ${jobId}: ${status}`, details)
    await client.publishAsync(this.topics.jobUpdate(jobId), JSON.stringify(message), { qos: 1 })
  }

  // --- what the lab sends ----------------------------------------------------------------------------

  /** A message, once the agent has announced itself (earlier ones waited in the link). */
  private receive(topic: string, payload: Buffer): void {
    const t = this.topics
    if (topic === t.notifyNext) {
      void this.track(this.takeJob(payload))
      return
    }
    const prefix = `${t.root}/cmd/`
    if (topic.startsWith(prefix)) void this.track(this.command(topic.slice(prefix.length), payload))
  }

  private track(task: Promise<void>): Promise<void> {
    return this.link.track(task, 'jobs agent')
  }

  /** A job naming an image URL: fetch, verify, install; the status follows from the device's. */
  private async takeJob(payload: Buffer): Promise<void> {
    const body = parseObject(payload)
    const jobId = body && typeof body.jobId === 'string' && JOB_ID.test(body.jobId) ? body.jobId : undefined
    if (!body || !jobId) {
      this.device.log.add('mqtt', 'job ignored: no JSON object with a jobId (letters, digits, - and _)')
      return
    }
    if (this.once(`job\u0000${jobId}`)) return
    const size = body.size === undefined ? undefined : Number(body.size)
    const sha256 = typeof body.sha256 === 'string' ? body.sha256 : undefined
    if (typeof body.url !== 'string') {
      this.status(jobId, 'REJECTED', { reason: 'the job names no url' })
      return
    }
    const d = this.device
    this.job = { id: jobId, from: d.firmware().version }
    this.status(jobId, 'IN_PROGRESS', { step: 'downloading' })
    try {
      await d.installFromUrl(body.url, { ...(size !== undefined ? { size } : {}), ...(sha256 ? { sha256 } : {}) }, `job ${jobId} (mqtt)`)
    } catch (err) {
      // A restart cut the job off; it ends with the power cycle, unreported.
      d.log.add('mqtt', `job ${jobId} interrupted: ${errorMessage(err)}`, { code: errorCode(err) })
    }
  }

  private async command(name: string, payload: Buffer): Promise<void> {
    const body = parseObject(payload)
    const requestId =
      body && (typeof body.requestId === 'string' || typeof body.requestId === 'number') ? String(body.requestId) : undefined
    if (requestId !== undefined && this.once(`${name}\u0000${requestId}`)) return
    const handler = this.handlers.get(name)
    let answer: Body
    if (!body) answer = failure(new SimError('E_SIM_BAD_REQUEST', 'the payload must be a JSON object, e.g. {"requestId": "1"}'))
    else if (!handler) answer = failure(new SimError('E_SIM_BAD_REQUEST', `unknown command ${name}`))
    else {
      try {
        answer = { ok: true, ...handler(body) }
      } catch (err) {
        answer = failure(err)
      }
    }
    this.device.log.add('mqtt', `cmd/${name} → ${answer.ok ? 'ok' : String(answer.code)}`)
    const client = this.link.client
    if (!client) return
    const message = JSON.stringify({ ...(requestId !== undefined ? { requestId } : {}), ...answer })
    await client.publishAsync(this.topics.reply(name), message, { qos: 1 })
  }

  /** True when the key was seen before (a QoS 1 redelivery); remembers it otherwise. */
  private once(key: string): boolean {
    if (this.seen.has(key)) return true
    this.seen.add(key)
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!)
    return false
  }
}

function parseObject(payload: Buffer): Body | undefined {
  try {
    const parsed: unknown = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'))
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Body) : undefined
  } catch {
    return undefined
  }
}

function failure(err: unknown): Body {
  const error = errorMessage(err)
  return { ok: false, code: errorCode(err), error, message: error }
}

function token(): string {
  return randomBytes(8).toString('hex')
}
