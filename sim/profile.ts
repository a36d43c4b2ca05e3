import type { DutProfile, EmulatorRoute, RequestTemplate } from '../ixit/profile-types.ts'
import { CHECK_JITTER, DEVICE_SECONDS } from './clock.ts'

/** The variable the profile's basic auth reads the API password from. */
export const PASSWORD_ENV = 'TS701_SIM_PASSWORD'
/** Where IXIT 2-UserInfo publishes the support page; the profile maps it to the running device. */
export const PUBLISHED_ORIGIN = 'http://127.0.0.1:8701'

/** The profile as written to `dut.yaml`: the loader adds `file` and `source`. */
export type WrittenProfile = Omit<DutProfile, 'file' | 'source'>

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
  otherHardwareId: string
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

export function referenceProfile(input: ProfileInput): WrittenProfile {
  const json = { 'content-type': 'application/json' }
  const get = (path: string): RequestTemplate => ({ method: 'GET', path })
  const post = (path: string, body?: unknown): RequestTemplate =>
    body === undefined ? { method: 'POST', path } : { method: 'POST', path, headers: json, body: JSON.stringify(body) }
  const put = (body: unknown): RequestTemplate => ({ method: 'PUT', path: '/api/settings', headers: json, body: JSON.stringify(body) })
  const restartMs = (DEVICE_SECONDS.restart * 1000) / input.timeScale
  const readyTimeoutMs = Math.max(10_000, Math.ceil(restartMs * 4))

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
    { name: 'image', method: 'GET', path: '/images/:name', status: 200, headers: { 'content-type': 'application/octet-stream' }, serve: 'image' },
  ]

  return {
    name: 'TS701-REF-1 reference DUT (simulated)',
    adapter: {
      kind: 'http',
      baseUrl: input.apiUrl,
      auth: { kind: 'basic', username: 'admin', passwordEnv: PASSWORD_ENV },
      lenient: false,
      timeouts: { defaultMs: 10_000, operations: { 'deliver-image': 60_000, 'read-outcome': 60_000 } },
    },
    timeScale: input.timeScale,
    observationSeconds: observationSeconds(input.timeScale),
    operations: {
      identify: { request: get('/api/info'), extract: { model: { pointer: '/model' }, version: { pointer: '/firmware/version' } } },
      'read-settings': { request: get('/api/settings'), extract: { automaticUpdates: { pointer: '/autoUpdate' }, notifications: { pointer: '/notifications' } } },
      'change-settings': {
        'enable-automatic-updates': put({ autoUpdate: true }),
        'disable-automatic-updates': put({ autoUpdate: false }),
        // The longest postponement the web UI offers (1, 3 or 7 days): at compressed time even
        // 7 days pass in seconds, and the lab must see the postponement hold while it watches.
        'postpone-automatic-updates': post('/api/update/postpone', { days: POSTPONE_DAYS }),
        'enable-notifications': put({ notifications: true }),
        'disable-notifications': put({ notifications: false }),
        'postpone-notifications': post('/api/notifications/postpone', { days: POSTPONE_DAYS }),
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
        states: { installed: ['installed'], rejected: ['rejected'], pending: ['pending-user'] },
        intervalMs: 100,
        timeoutMs: 30_000,
      },
      'read-notifications': {
        request: get('/api/notifications'),
        extract: { items: { pointer: '/notifications' }, text: { pointer: '/text' }, kind: { pointer: '/kind' }, time: { pointer: '/time' } },
      },
      'check-now': { request: post('/api/update/check') },
      reboot: { request: post('/api/reboot'), readyTimeoutMs },
      'factory-reset': { request: post('/api/factory-reset'), readyTimeoutMs },
      restore: { request: post('/api/service/restore-baseline'), readyTimeoutMs },
    },
    mechanisms: {
      'UpdMech-Network': { via: 'update-server' },
      'UpdMech-LocalUpload': { via: 'deliver-image' },
    },
    updateServer: {
      host: '127.0.0.1',
      port: input.updateServer.port,
      ...(input.updateServer.https
        ? { tls: { certFile: input.files.serverCert, keyFile: input.files.serverKey, caCertFile: input.files.caCert, caKeyFile: input.files.caKey } }
        : {}),
      pollInterval: 'P1D',
      imagePath: '/images/{{image.name}}',
      routes,
    },
    images: {
      format: 'ts701',
      valid: { file: input.files.valid, version: input.versions.valid },
      older: { file: input.files.older, version: input.versions.older },
      attacks: [{
        name: 'other-hardware',
        file: input.files.otherHardware,
        description: `Validly signed with the vendor key, but built for hardware ID ${input.otherHardwareId}: the device must refuse it.`,
        expect: 'rejected',
      }],
    },
    publications: [{ from: PUBLISHED_ORIGIN, to: input.apiUrl }],
  }
}
