/**
 * Mode `hawkbit`: the profile a lab writes for a hawkBit-DDI-style poller. The controller resource
 * announces the sleep and links a deployment while one is offered and asks for the device's
 * attributes on every poll; feedback and configData are all the device says, to its server only.
 */
import type { EmulatorRoute, ObserveSection } from '../../profile/types.ts'
import { DEVICE_SECONDS } from '../clock.ts'
import { DEFAULT_HARDWARE_ID } from '../identity.ts'
import { HAWKBIT_TENANT } from '../protocols/hawkbit.ts'
import { common, imageRoute, readyTimeoutMs, type ChannelInput, type ProfileInput, type WrittenProfile } from '../profile.ts'
import { benchSection, deviceWait, NAME } from './bench-steps.ts'

/** hawkBit writes its sleep as HH:MM:SS; no emulator placeholder does, so it is written out. */
function hhmmss(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`
}

export function hawkbitProfile(input: ProfileInput, _reach: ChannelInput): WrittenProfile {
  const { updateServer, ...rest } = common(input)
  const { pollInterval: _vendorInterval, routes: _vendorRoutes, imagePath: _vendorPath, ...server } = updateServer!
  const json = { 'content-type': 'application/json' }
  const base = `/${HAWKBIT_TENANT}/controller/v1/:controllerId`
  const href = (tail: string) => ({ href: `/${HAWKBIT_TENANT}/controller/v1/{{request.params.controllerId}}${tail}` })
  const polling = { polling: { sleep: hhmmss(DEVICE_SECONDS.checkPeriod) } }
  const offering = JSON.stringify({
    config: polling,
    _links: { deploymentBase: href('/deploymentBase/{{offer.id}}'), configData: href('/configData') },
  })
  const idle = JSON.stringify({ config: polling, _links: { configData: href('/configData') } })
  const deploymentBase = JSON.stringify({
    id: '{{offer.id}}',
    deployment: {
      download: 'forced',
      update: 'forced',
      chunks: [
        {
          part: 'os',
          version: '{{image.version}}',
          name: 'firmware',
          artifacts: [
            {
              filename: '{{image.name}}',
              size: '{{image.size}}',
              hashes: { sha1: '{{image.sha1}}', md5: '{{image.md5}}', sha256: '{{image.sha256}}' },
              _links: { download: { href: '{{image.url}}' } },
            },
          ],
        },
      ],
    },
  }).replace('"{{image.size}}"', '{{image.size}}')
  const routes: EmulatorRoute[] = [
    { name: 'poll-offering', method: 'GET', path: base, when: 'offering', status: 200, headers: json, body: offering },
    { name: 'poll-idle', method: 'GET', path: base, when: 'idle', status: 200, headers: json, body: idle },
    {
      name: 'deployment-base',
      method: 'GET',
      path: `${base}/deploymentBase/:actionId`,
      when: 'offering',
      status: 200,
      headers: json,
      body: deploymentBase,
    },
    { name: 'feedback', method: 'POST', path: `${base}/deploymentBase/:actionId/feedback`, status: 200 },
    { name: 'config-data', method: 'PUT', path: `${base}/configData`, status: 200 },
    imageRoute('artifact', '/artifacts/:name'),
  ]
  const waitMs = deviceWait(input)
  const observe: ObserveSection = {
    // The controller ID in the path names the device (its hardware ID); another ID is another client.
    // Artifact downloads name no one and are observed by nothing, so they may as well count as strangers'.
    identity: { server: [{ path: base, param: 'controllerId', equals: DEFAULT_HARDWARE_ID }] },
    version: { from: 'server', routes: ['config-data'], extract: { pointer: '/data/version' }, timeoutMs: waitMs },
    model: { from: 'server', routes: ['config-data'], extract: { pointer: '/data/model' }, timeoutMs: waitMs },
    outcome: {
      from: 'server',
      routes: ['feedback'],
      extract: { state: { pointer: '/status/result/finished' }, detail: { pointer: '/status/details/1' } },
      states: { installed: ['success'], rejected: ['failure'], pending: ['none'] },
      timeoutMs: 30_000,
    },
    // The deployment fetch, feedback and configData follow a poll; only the poll is the check.
    checks: { from: 'server', routes: ['poll-offering', 'poll-idle'] },
    alive: { from: 'server', path: '/*', timeoutMs: waitMs },
  }
  return {
    name: `${NAME} as a hawkBit DDI client`,
    adapter: { kind: 'none', name: 'hawkBit DDI client', timeouts: { defaultMs: 10_000, operations: {} } },
    operations: {},
    ...rest,
    mechanisms: { 'UpdMech-Network': { via: 'update-server' } },
    updateServer: {
      ...server,
      // The sleep in the poll answer is what is announced; the device follows it.
      announceInterval: 'P1D',
      waitInterval: 'P1D',
      listenAtStart: true,
      firstContactTimeout: 'P2D',
      imagePath: '/artifacts/{{image.name}}',
      routes,
    },
    observe,
    bench: benchSection(input, readyTimeoutMs(input.timeScale), { restarts: true }),
  }
}
