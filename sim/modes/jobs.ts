/**
 * Mode jobs: the profile a lab writes for an MQTT jobs agent (sim/mqtt-jobs.ts). The agent has no
 * identify, no outcome query and no reboot: the version comes from its retained state, outcomes
 * from its job status messages, update checks from its announcements, and restarts, restores and
 * resets from the lab bench. What it offers the lab is a URL job (UpdMech-LocalUpload told where
 * to fetch the image) and its settings, as the lamp's app uses them.
 */
import type { MqttPublish, MqttReply } from '../../adapters/mqtt/profile.ts'
import type { BenchCommandStep, OutcomeStates } from '../../profile/types.ts'
import { DEVICE_SECONDS } from '../clock.ts'
import { SimError } from '../errors.ts'
import { jobsTopics } from '../mqtt-jobs.ts'
import { common, POSTPONE_DAYS, type ChannelInput, type ProfileInput, type WrittenMqttProfile } from '../profile.ts'

/** Job execution statuses as the outcome: IN_PROGRESS (also while waiting for the user) is still open. */
export const JOB_STATES: OutcomeStates = { installed: ['SUCCEEDED'], rejected: ['FAILED', 'REJECTED'], pending: [] }

const NAME = 'TS701-REF-1 reference DUT as an MQTT jobs agent (simulated)'

export function jobsProfile(input: ProfileInput, reach: ChannelInput): WrittenMqttProfile {
  if (reach.kind !== 'mqtt') throw new SimError('E_SIM_CONFIG', `mode jobs runs over MQTT, not ${reach.kind}`)
  const t = jobsTopics(reach.topicRoot)
  const readyMs = Math.max(10_000, Math.ceil(((DEVICE_SECONDS.restart * 1000) / input.timeScale) * 4))
  // A fresh state comes with every check: three device days cover the next one with room to spare.
  const reportMs = Math.max(10_000, Math.ceil(((3 * DEVICE_SECONDS.checkPeriod) / input.timeScale) * 1000))
  const payload = (fields: Record<string, unknown> = {}) => JSON.stringify({ requestId: '{{requestId}}', ...fields })
  const publish = (name: string, fields?: Record<string, unknown>): MqttPublish => ({ topic: t.cmd(name), payload: payload(fields) })
  const reply = (name: string): MqttReply => ({ topic: t.reply(name), match: { pointer: '/requestId', equals: '{{requestId}}' } })
  const command = (name: string, fields?: Record<string, unknown>) => ({ publish: publish(name, fields), reply: reply(name) })
  const bench = (wire: string): BenchCommandStep => ({
    command: { argv: ['node', input.benchScript, wire], timeoutMs: 30_000 },
    readyTimeoutMs: readyMs,
  })
  const job = JSON.stringify({ jobId: '{{requestId}}', url: '{{image.url}}', sha256: '{{image.sha256}}', size: '{{image.size}}' }).replace(
    '"{{image.size}}"',
    '{{image.size}}',
  )
  const { timeScale, observationSeconds, ...rest } = common(input)

  return {
    name: NAME,
    adapter: { kind: 'mqtt', url: reach.brokerUrl, qos: 1, timeouts: { defaultMs: 10_000, operations: { 'deliver-image': 60_000 } } },
    timeScale,
    observationSeconds,
    operations: {
      'read-settings': {
        reply: { topic: t.state, retained: true },
        extract: { automaticUpdates: { pointer: '/settings/autoUpdate' }, notifications: { pointer: '/settings/notifications' } },
      },
      'change-settings': {
        'enable-automatic-updates': command('settings/set', { autoUpdate: true }),
        'disable-automatic-updates': command('settings/set', { autoUpdate: false }),
        'postpone-automatic-updates': command('update/postpone', { days: POSTPONE_DAYS }),
        'enable-notifications': command('settings/set', { notifications: true }),
        'disable-notifications': command('settings/set', { notifications: false }),
        'postpone-notifications': command('notifications/postpone', { days: POSTPONE_DAYS }),
      },
      // The job is the device's only word on a delivery: its status, read through observe.outcome.
      'deliver-image': { mode: 'url', publish: { topic: t.notifyNext, payload: job } },
      'read-notifications': {
        ...command('notifications/list'),
        extract: {
          items: { pointer: '/notifications' },
          text: { pointer: '/text' },
          kind: { pointer: '/kind' },
          time: { pointer: '/time' },
        },
      },
    },
    bench: {
      'power-cycle': bench('power-cycle'),
      restore: bench('reflash-baseline'),
      'factory-reset': bench('factory-reset'),
    },
    observe: {
      version: { from: 'mqtt', topic: t.state, extract: { pointer: '/firmware/version' }, timeoutMs: reportMs },
      // The state names the model, as a thing's reported attributes do.
      model: { from: 'mqtt', topic: t.state, extract: { pointer: '/model' }, timeoutMs: reportMs },
      outcome: {
        from: 'mqtt',
        topic: t.jobUpdates,
        extract: {
          state: { pointer: '/status' },
          version: { pointer: '/statusDetails/version' },
          detail: { pointer: '/statusDetails/reason' },
        },
        states: JOB_STATES,
        timeoutMs: 60_000,
      },
      checks: { from: 'mqtt', topic: t.jobsGet },
      // The state comes with every connection: the sign that the device is back after a restart.
      alive: { from: 'mqtt', topic: t.state, timeoutMs: readyMs },
    },
    ...rest,
  }
}
