import type { HttpDutProfile, RequestTemplate } from '../adapters/http/profile.ts'
import type { MqttDutProfile, MqttPublish, MqttReply } from '../adapters/mqtt/profile.ts'
import type { RegisteredDutProfile as DutProfile } from '../adapters/registry.ts'
import type { SerialDutProfile, SerialExchange } from '../adapters/serial/profile.ts'
import type { AdapterTimeouts, DutProfileCommon, EmulatorRoute, OutcomeStates } from '../profile/types.ts'
import { CHECK_JITTER, DEVICE_SECONDS } from './clock.ts'
import { SimError } from './errors.ts'
import { mqttTopics } from './mqtt.ts'
import { CHANNELS, type Channel } from './channels.ts'

/** The variable the profile's basic auth reads the API password from. */
export const PASSWORD_ENV = 'TS701_SIM_PASSWORD'
/** Where IXIT 2-UserInfo publishes the support page; the profile maps it to the running device. */
export const PUBLISHED_ORIGIN = 'http://127.0.0.1:8701'

/** The profile as written to `dut.yaml`: the loader adds `file` and `source`. */
export type WrittenProfile = Omit<DutProfile, 'file' | 'source'>
export type WrittenHttpProfile = Omit<HttpDutProfile, 'file' | 'source'>
export type WrittenMqttProfile = Omit<MqttDutProfile, 'file' | 'source'>
export type WrittenSerialProfile = Omit<SerialDutProfile, 'file' | 'source'>
export type WrittenCommon = Omit<DutProfileCommon, 'file' | 'source' | 'name'>

export { CHANNELS, type Channel }

/** Where the lab reaches the device over the chosen channel. */
export type ChannelInput =
  | { kind: 'http' }
  | { kind: 'mqtt'; brokerUrl: string; topicRoot: string }
  /** A pty path, or `tcp://127.0.0.1:<port>` for the console's TCP export. */
  | { kind: 'serial'; port: string }
  /** No lab API at all (modes pull, hawkbit). */
  | { kind: 'none' }

export interface ProfileInput {
  apiUrl: string
  timeScale: number
  updateServer: { port: number; https: boolean }
  /** Paths relative to the profile's folder. */
  files: {
    serverCert: string
    serverKey: string
    caCert: string
    caKey: string
    valid: string
    older: string
    otherHardware: string
  }
  versions: { valid: string; older: string }
  /** Mode `detached`: its bundles (manifest file and parts), paths relative to the profile's folder. */
  detached?: Record<'valid' | 'older' | 'baseline' | 'otherHardware', DetachedFiles>
  otherHardwareId: string
  /** The lab bench script (sim/bench.ts) relative to the profile's folder: `node <script> <action>`. */
  benchScript: string
}

/** A detached update as a profile names it: the manifest (main file) and its two parts. */
export interface DetachedFiles {
  file: string
  version: string
  parts: { payload: string; signature: string }
}

export const POSTPONE_DAYS = 7

export const SECURITY_RISKS = 'Fixes a flaw that could let someone on your network take control of the device.'

/**
 * Real seconds for 5.3-5 to watch: the boot check and at least two periodic checks even when
 * the jitter stretches both periods.
 */
export function observationSeconds(timeScale: number): number {
  const device = DEVICE_SECONDS.bootCheckDelay + 2 * DEVICE_SECONDS.checkPeriod * (1 + CHECK_JITTER) + DEVICE_SECONDS.checkPeriod / 2
  return Math.max(1, Math.ceil(device / timeScale))
}

/** The DUT profile for the channel: the same device, the same update server and images. */
export function channelProfile(input: ProfileInput, channel: ChannelInput): WrittenProfile {
  switch (channel.kind) {
    case 'none':
      throw new SimError('E_SIM_CONFIG', 'the api mode has no profile without a channel; choose http, mqtt or serial')
    case 'http':
      return httpProfile(input)
    case 'mqtt':
      return mqttProfile(input, channel)
    case 'serial':
      return serialProfile(input, channel)
  }
}

/** The HTTP profile (the default channel). */
export function referenceProfile(input: ProfileInput): WrittenHttpProfile {
  return httpProfile(input)
}

const OUTCOME_STATES: OutcomeStates = { installed: ['installed'], rejected: ['rejected'], pending: ['pending-user'] }
const NAME = 'TS701-REF-1 reference DUT (simulated)'

export function readyTimeoutMs(timeScale: number): number {
  const restartMs = (DEVICE_SECONDS.restart * 1000) / timeScale
  // The floor is generous: on a loaded machine (a CI run with several simulators at once) a
  // restart that takes well under a second alone has been seen to take ten.
  return Math.max(20_000, Math.ceil(restartMs * 4))
}

function timeouts(): AdapterTimeouts {
  return { defaultMs: 10_000, operations: { 'deliver-image': 60_000, 'read-outcome': 60_000 } }
}

export function httpProfile(input: ProfileInput): WrittenHttpProfile {
  const json = { 'content-type': 'application/json' }
  const get = (path: string): RequestTemplate => ({ method: 'GET', path })
  const post = (path: string, body?: unknown): RequestTemplate =>
    body === undefined ? { method: 'POST', path } : { method: 'POST', path, headers: json, body: JSON.stringify(body) }
  const put = (body: unknown): RequestTemplate => ({ method: 'PUT', path: '/api/settings', headers: json, body: JSON.stringify(body) })
  const readyTimeout = readyTimeoutMs(input.timeScale)
  const { timeScale, observationSeconds, ...rest } = common(input)

  return {
    name: NAME,
    adapter: {
      kind: 'http',
      baseUrl: input.apiUrl,
      auth: { kind: 'basic', username: 'admin', passwordEnv: PASSWORD_ENV },
      lenient: false,
      timeouts: timeouts(),
    },
    timeScale,
    observationSeconds,
    operations: {
      identify: { request: get('/api/info'), extract: { model: { pointer: '/model' }, version: { pointer: '/firmware/version' } } },
      'read-settings': {
        request: get('/api/settings'),
        extract: { automaticUpdates: { pointer: '/autoUpdate' }, notifications: { pointer: '/notifications' } },
      },
      'change-settings': {
        'enable-automatic-updates': put({ autoUpdate: true }),
        'disable-automatic-updates': put({ autoUpdate: false }),
        // The longest postponement the web UI offers (1, 3 or 7 days): at compressed time even
        // 7 days pass in seconds, and the lab must see the postponement hold while it watches.
        'postpone-automatic-updates': post('/api/update/postpone', { days: POSTPONE_DAYS }),
        'enable-notifications': put({ notifications: true }),
        'disable-notifications': put({ notifications: false }),
        'postpone-notifications': post('/api/notifications/postpone', { days: POSTPONE_DAYS }),
        'consent-automatic-updates': post('/api/setup/consent', { automaticUpdates: true }),
        'decline-automatic-updates': post('/api/setup/consent', { automaticUpdates: false }),
      },
      'deliver-image': {
        mode: 'raw',
        request: { method: 'POST', path: '/api/update', headers: { 'content-type': 'application/octet-stream' } },
        extract: { accepted: { pointer: '/accepted' }, message: { pointer: '/message' } },
      },
      'read-outcome': {
        mode: 'poll',
        request: get('/api/update/status'),
        extract: { state: { pointer: '/state' }, version: { pointer: '/version' }, detail: { pointer: '/detail' } },
        states: OUTCOME_STATES,
        // The simulated device settles within milliseconds of a download; a real device's
        // profile paces this to its own installation time.
        intervalMs: 25,
        timeoutMs: 30_000,
      },
      'read-notifications': {
        request: get('/api/notifications'),
        extract: {
          items: { pointer: '/notifications' },
          text: { pointer: '/text' },
          kind: { pointer: '/kind' },
          time: { pointer: '/time' },
        },
      },
      'check-now': { request: post('/api/update/check') },
      reboot: { request: post('/api/reboot'), readyTimeoutMs: readyTimeout },
      'factory-reset': { request: post('/api/factory-reset'), readyTimeoutMs: readyTimeout },
      restore: { request: post('/api/service/restore-baseline'), readyTimeoutMs: readyTimeout },
    },
    ...rest,
  }
}

/**
 * The MQTT profile: commands on `<root>/cmd/<name>` with a fresh `requestId`, replies on
 * `<root>/reply/<name>` matched by it; settings from the retained state topic; the image in
 * base64 chunks; the outcome from `events/update` after asking for the current status.
 */
export function mqttProfile(input: ProfileInput, channel: { brokerUrl: string; topicRoot: string }): WrittenMqttProfile {
  const t = mqttTopics(channel.topicRoot)
  const readyTimeout = readyTimeoutMs(input.timeScale)
  const payload = (fields: Record<string, unknown> = {}) => JSON.stringify({ requestId: '{{requestId}}', ...fields })
  const publish = (name: string, fields?: Record<string, unknown>): MqttPublish => ({ topic: t.cmd(name), payload: payload(fields) })
  const reply = (name: string): MqttReply => ({ topic: t.reply(name), match: { pointer: '/requestId', equals: '{{requestId}}' } })
  const command = (name: string, fields?: Record<string, unknown>) => ({ publish: publish(name, fields), reply: reply(name) })
  const { timeScale, observationSeconds, ...rest } = common(input)

  return {
    name: `${NAME} over MQTT`,
    adapter: { kind: 'mqtt', url: channel.brokerUrl, qos: 1, timeouts: timeouts() },
    timeScale,
    observationSeconds,
    operations: {
      identify: { ...command('identify'), extract: { model: { pointer: '/model' }, version: { pointer: '/firmware/version' } } },
      // The device keeps its state retained: no request needed, the broker hands it over.
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
        'consent-automatic-updates': command('setup/consent', { automaticUpdates: true }),
        'decline-automatic-updates': command('setup/consent', { automaticUpdates: false }),
      },
      'deliver-image': {
        mode: 'chunks',
        begin: {
          topic: t.cmd('update/begin'),
          payload: payload({ size: '{{image.size}}', sha256: '{{image.sha256}}', encoding: 'base64' }).replace(
            '"{{image.size}}"',
            '{{image.size}}',
          ),
        },
        topic: t.chunkTemplate,
        chunkBytes: 16 * 1024,
        encoding: 'base64',
        end: publish('update/end'),
        reply: reply('update/end'),
        extract: { accepted: { pointer: '/accepted' }, message: { pointer: '/message' } },
      },
      // Asking for the status makes the device publish it on events/update; changes follow there.
      'read-outcome': {
        publish: publish('update/status'),
        reply: { topic: t.updateEvents },
        extract: { state: { pointer: '/state' }, version: { pointer: '/version' }, detail: { pointer: '/detail' } },
        states: OUTCOME_STATES,
        timeoutMs: 30_000,
      },
      'read-notifications': {
        ...command('notifications/list'),
        extract: {
          items: { pointer: '/notifications' },
          text: { pointer: '/text' },
          kind: { pointer: '/kind' },
          time: { pointer: '/time' },
        },
      },
      'check-now': command('update/check'),
      reboot: { ...command('reboot'), readyTimeoutMs: readyTimeout },
      'factory-reset': { ...command('factory-reset'), readyTimeoutMs: readyTimeout },
      restore: { ...command('service/restore-baseline'), readyTimeoutMs: readyTimeout },
    },
    ...rest,
  }
}

/** The serial-console profile: commands at the `ts701> ` prompt, answers read with named groups. */
export function serialProfile(input: ProfileInput, channel: { port: string }): WrittenSerialProfile {
  const readyTimeout = readyTimeoutMs(input.timeScale)
  const x = (send: string, expect: string): SerialExchange => ({ send, expect })
  const { timeScale, observationSeconds, ...rest } = common(input)

  return {
    name: `${NAME} over its serial console`,
    adapter: {
      kind: 'serial',
      port: channel.port,
      baudRate: 115_200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      lineEnding: '\r\n',
      prompt: 'ts701> ?$',
      // The reference DUT's answers end with its prompt. What it prints unprompted (the console
      // mode's checks) comes when its schedule says, which no quiet time would tell apart.
      promptQuietMs: 20,
      timeouts: { defaultMs: 10_000, operations: { 'deliver-image': 60_000 } },
    },
    timeScale,
    observationSeconds,
    operations: {
      identify: x('info', '^model (?<model>[^,\\s]+), firmware (?<version>[^\\s,]+)'),
      'read-settings': x('settings', '^auto-update: (?<automaticUpdates>on|off)\\s*\\n\\s*notifications: (?<notifications>on|off)\\b'),
      'change-settings': {
        'enable-automatic-updates': x('set auto on', '^ok: auto-update on$'),
        'disable-automatic-updates': x('set auto off', '^ok: auto-update off$'),
        'postpone-automatic-updates': x(`postpone auto ${POSTPONE_DAYS}`, '^ok: automatic installation postponed until \\S+'),
        'enable-notifications': x('set notify on', '^ok: notifications on$'),
        'disable-notifications': x('set notify off', '^ok: notifications off$'),
        'postpone-notifications': x(`postpone notify ${POSTPONE_DAYS}`, '^ok: notifications postponed until \\S+'),
        'consent-automatic-updates': x('consent auto on', '^ok: setup done, auto-update (on|off)$'),
        'decline-automatic-updates': x('consent auto off', '^ok: setup done, auto-update (on|off)$'),
      },
      'deliver-image': {
        mode: 'base64-lines',
        begin: x('update begin {{image.size}} {{image.sha256}}', '^ready: send \\d+ bytes'),
        lineBytes: 768,
        end: x('update end', '^update: (?<accepted>accepted|rejected): (?<message>.*)$'),
      },
      'read-outcome': {
        ...x('update status', '^state=(?<state>\\S+) version=(?<version>\\S+) attempt=\\d+(?: detail=(?<detail>.*))?$'),
        states: OUTCOME_STATES,
        intervalMs: 25,
        timeoutMs: 30_000,
      },
      'read-notifications': {
        send: 'notifications',
        item: '^#\\d+ (?<time>\\S+) \\[(?<kind>[^\\]]+)\\] (?<text>.+)$',
        end: '^-- end of notifications',
      },
      'check-now': x('check', '^ok: checking for updates'),
      reboot: { ...x('reboot', '^Rebooting'), readyTimeoutMs: readyTimeout },
      'factory-reset': { ...x('factory-reset', '^factory reset: '), readyTimeoutMs: readyTimeout },
      restore: { ...x('service restore', '^service: restoring baseline'), readyTimeoutMs: readyTimeout },
    },
    ...rest,
  }
}

/** The emulator route that serves the offered image, as every mode's update server does. */
export function imageRoute(name: string, path: string): EmulatorRoute {
  return { name, method: 'GET', path, status: 200, headers: { 'content-type': 'application/octet-stream' }, serve: 'image' }
}

/** What every channel's profile shares: time, mechanisms, the vendor update server, images, publications. */
export function common(input: ProfileInput): WrittenCommon {
  const json = { 'content-type': 'application/json' }
  const offer = JSON.stringify({
    available: true,
    version: '{{image.version}}',
    url: '{{image.url}}',
    sha256: '{{image.sha256}}',
    size: '{{image.size}}',
    security: true,
    risks: SECURITY_RISKS,
  }).replace('"{{image.size}}"', '{{image.size}}')
  const routes: EmulatorRoute[] = [
    { name: 'check-offering', method: 'GET', path: '/v1/check', when: 'offering', status: 200, headers: json, body: offer },
    { name: 'check-idle', method: 'GET', path: '/v1/check', when: 'idle', status: 200, headers: json, body: '{"available": false}' },
    imageRoute('image', '/images/:name'),
  ]
  return {
    timeScale: input.timeScale,
    observationSeconds: observationSeconds(input.timeScale),
    mechanisms: {
      'UpdMech-Network': { via: 'update-server' },
      'UpdMech-LocalUpload': { via: 'deliver-image' },
    },
    updateServer: {
      host: '127.0.0.1',
      port: input.updateServer.port,
      ...(input.updateServer.https
        ? {
            tls: {
              certFile: input.files.serverCert,
              keyFile: input.files.serverKey,
              caCertFile: input.files.caCert,
              caKeyFile: input.files.caKey,
            },
          }
        : {}),
      pollInterval: 'P1D',
      imagePath: '/images/{{image.name}}',
      routes,
    },
    images: {
      format: 'ts701',
      valid: { file: input.files.valid, version: input.versions.valid },
      older: { file: input.files.older, version: input.versions.older },
      attacks: [
        {
          name: 'other-hardware',
          file: input.files.otherHardware,
          description: `Validly signed with the vendor key, but built for hardware ID ${input.otherHardwareId}: the device must refuse it.`,
          expect: 'rejected',
        },
      ],
    },
    // The support page stays on the device's HTTP API whatever the control channel.
    publications: [{ from: PUBLISHED_ORIGIN, to: input.apiUrl }],
  }
}
