/**
 * Mode `pull`: the profile a lab writes for a Mender-style device. The device has no API; it polls
 * for its next deployment and tells only its update server (the emulator) its inventory and each
 * deployment's status, so every fact is read there, and the bench power-cycles and reflashes it.
 */
import type { EmulatorRoute, ObserveSection } from '../../profile/types.ts'
import { DEFAULT_HARDWARE_ID } from '../identity.ts'
import { MENDER_PATHS } from '../protocols/mender.ts'
import { common, imageRoute, readyTimeoutMs, type ChannelInput, type ProfileInput, type WrittenProfile } from '../profile.ts'
import { benchSection, deviceWait, NAME } from './bench-steps.ts'

const STATUS_PATH = '/api/devices/v1/deployments/device/deployments/:id/status'

/** The Mender attribute `name` as the inventory array carries it. */
const attribute = (name: string) => ({ regex: `"name"\\s*:\\s*"${name}"\\s*,\\s*"value"\\s*:\\s*"([^"]+)"` })

export function pullProfile(input: ProfileInput, _reach: ChannelInput): WrittenProfile {
  const { updateServer, ...rest } = common(input)
  const { pollInterval: _vendorInterval, routes: _vendorRoutes, ...server } = updateServer!
  const json = { 'content-type': 'application/json' }
  const deployment = JSON.stringify({
    id: '{{offer.id}}',
    artifact: { artifact_name: '{{image.version}}', source: { uri: '{{image.url}}' } },
  })
  const routes: EmulatorRoute[] = [
    { name: 'next-offering', method: 'GET', path: MENDER_PATHS.next, when: 'offering', status: 200, headers: json, body: deployment },
    { name: 'next-idle', method: 'GET', path: MENDER_PATHS.next, when: 'idle', status: 204 },
    { name: 'deployment-status', method: 'PUT', path: STATUS_PATH, status: 204 },
    { name: 'inventory', method: ['PATCH', 'PUT'], path: MENDER_PATHS.inventory, status: 200 },
    imageRoute('image', '/images/:name'),
  ]
  const waitMs = deviceWait(input)
  const observe: ObserveSection = {
    // The poll names the device by its device type; inventory and status reports name no one (a real
    // Mender client is named by its auth token, which the emulator masks), so unnamed requests are its.
    identity: { server: [{ query: 'device_type', equals: DEFAULT_HARDWARE_ID }], unnamed: 'device' },
    version: { from: 'server', routes: ['inventory'], extract: attribute('artifact_name'), timeoutMs: waitMs },
    model: { from: 'server', routes: ['inventory'], extract: attribute('model'), timeoutMs: waitMs },
    outcome: {
      from: 'server',
      routes: ['deployment-status'],
      extract: { state: { pointer: '/status' }, detail: { pointer: '/substate' } },
      states: {
        installed: ['success'],
        rejected: ['failure'],
        pending: ['downloading', 'installing', 'rebooting', 'pause_before_installing'],
      },
      timeoutMs: 30_000,
    },
    // Inventory and status reports are not checks: only the poll for the next deployment is.
    checks: { from: 'server', routes: ['next-offering', 'next-idle'] },
    alive: { from: 'server', path: '/*', timeoutMs: waitMs },
  }
  return {
    name: `${NAME} as a Mender-style client`,
    adapter: { kind: 'none', name: 'Mender-style update client', timeouts: { defaultMs: 10_000, operations: {} } },
    operations: {},
    ...rest,
    mechanisms: { 'UpdMech-Network': { via: 'update-server' } },
    updateServer: {
      ...server,
      // The device polls on its own schedule (daily after a boot check); Mender announces nothing.
      waitInterval: 'P1D',
      listenAtStart: true,
      firstContactTimeout: 'P2D',
      routes,
    },
    observe,
    bench: benchSection(input, readyTimeoutMs(input.timeScale), { restarts: true }),
  }
}
