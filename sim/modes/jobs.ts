/**
 * Mode jobs: the profile a lab writes for an MQTT jobs agent (sim/mqtt-jobs.ts). The agent has no
 * identify, no outcome query and no reboot: the version comes from its retained state, outcomes
 * from its job status messages, update checks from its announcements, and restarts, restores and
 * resets from the lab bench. What it offers the lab is a URL job (UpdMech-LocalUpload told where
 * to fetch the image) and its settings, as the lamp's app uses them.
 */
import type { OutcomeStates } from '../../profile/types.ts'
import { DEVICE_SECONDS } from '../clock.ts'
import { SimError } from '../errors.ts'
import { jobsTopics } from '../mqtt-jobs.ts'
import { mqttProfile, readyTimeoutMs, type ChannelInput, type ProfileInput, type WrittenMqttProfile } from '../profile.ts'
import { benchSection } from './bench-steps.ts'

/** Job execution statuses as the outcome: IN_PROGRESS (also while waiting for the user) is still open. */
export const JOB_STATES: OutcomeStates = { installed: ['SUCCEEDED'], rejected: ['FAILED', 'REJECTED'], pending: [] }

const NAME = 'TS701-REF-1 reference DUT as an MQTT jobs agent (simulated)'

export function jobsProfile(input: ProfileInput, reach: ChannelInput): WrittenMqttProfile {
  if (reach.kind !== 'mqtt') throw new SimError('E_SIM_CONFIG', `mode jobs runs over MQTT, not ${reach.kind}`)
  const t = jobsTopics(reach.topicRoot)
  const mqtt = mqttProfile(input, reach)
  const readyMs = readyTimeoutMs(input.timeScale)
  // A fresh state comes with every check: three device days cover the next one with room to spare.
  const reportMs = Math.max(10_000, Math.ceil(((3 * DEVICE_SECONDS.checkPeriod) / input.timeScale) * 1000))
  const job = JSON.stringify({ jobId: '{{requestId}}', url: '{{image.url}}', sha256: '{{image.sha256}}', size: '{{image.size}}' }).replace(
    '"{{image.size}}"',
    '{{image.size}}',
  )
  // What the agent answers is its settings, as the lamp's app uses them; no identify, status or restart.
  const { 'read-settings': readSettings, 'change-settings': changeSettings, 'read-notifications': readNotifications } = mqtt.operations

  return {
    ...mqtt,
    name: NAME,
    operations: {
      ...(readSettings && { 'read-settings': readSettings }),
      ...(changeSettings && { 'change-settings': changeSettings }),
      // The job is the device's only word on a delivery: its status, read through observe.outcome.
      'deliver-image': { mode: 'url', publish: { topic: t.notifyNext, payload: job } },
      ...(readNotifications && { 'read-notifications': readNotifications }),
    },
    bench: benchSection(input, readyMs, { restarts: false }),
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
        // As the other modes allow: the agent publishes a job's status as soon as it has the image.
        timeoutMs: 30_000,
      },
      checks: { from: 'mqtt', topic: t.jobsGet },
      // The state comes with every connection: the sign that the device is back after a restart.
      alive: { from: 'mqtt', topic: t.state, timeoutMs: readyMs },
    },
  }
}
