/**
 * Mode `detached`: the profile a lab writes for a device whose update service hands out a signed
 * JSON manifest, a detached signature over it and the payload, each at a URL of its own. The device
 * has no API; like the Mender-style client it tells only its update server (the emulator) its
 * inventory and each deployment's status, so every fact is read there.
 */
import type { EmulatorRoute, ImageSet, ObserveSection } from '../../profile/types.ts'
import { REFERENCE_POINTERS } from '../../fixtures/detached.ts'
import { SimError } from '../errors.ts'
import { DEFAULT_HARDWARE_ID } from '../identity.ts'
import { DETACHED_PATHS } from '../protocols/detached.ts'
import { common, imageRoute, readyTimeoutMs, type ChannelInput, type ProfileInput, type WrittenProfile } from '../profile.ts'
import { benchSection, deviceWait, NAME } from './bench-steps.ts'

const UPDATE_PATH = '/updates/:name'

export function detachedProfile(input: ProfileInput, _reach: ChannelInput): WrittenProfile {
  const bundles = input.detached
  if (!bundles) throw new SimError('E_SIM_CONFIG', 'mode detached needs its detached bundles (createReferenceSetup builds them)')
  const { updateServer, images: _ts701Images, ...rest } = common(input)
  const { pollInterval: _vendorInterval, routes: _vendorRoutes, imagePath: _vendorPath, ...server } = updateServer!
  const json = { 'content-type': 'application/json' }
  const offer = JSON.stringify({
    id: '{{offer.id}}',
    version: '{{image.version}}',
    manifest: '{{image.url}}',
    signature: '{{image.parts.signature.url}}',
    payload: '{{image.parts.payload.url}}',
  })
  const part = (name: 'payload' | 'signature'): EmulatorRoute => ({ ...imageRoute(name, `${UPDATE_PATH}/${name}`), part: name })
  const routes: EmulatorRoute[] = [
    { name: 'next-offering', method: 'GET', path: DETACHED_PATHS.next, when: 'offering', status: 200, headers: json, body: offer },
    { name: 'next-idle', method: 'GET', path: DETACHED_PATHS.next, when: 'idle', status: 204 },
    { name: 'deployment-status', method: 'PUT', path: `${DETACHED_PATHS.deployments}/:id/status`, status: 204 },
    { name: 'inventory', method: 'PUT', path: DETACHED_PATHS.inventory, status: 200 },
    { ...imageRoute('manifest', `${UPDATE_PATH}/manifest`), headers: json },
    part('payload'),
    part('signature'),
  ]
  const images: ImageSet = {
    format: 'detached',
    detached: { manifest: REFERENCE_POINTERS, signature: { algorithm: 'ecdsa-p256-sha256', encoding: 'binary' } },
    valid: bundles.valid,
    older: bundles.older,
    baseline: bundles.baseline,
    attacks: [
      {
        name: 'other-hardware',
        file: bundles.otherHardware.file,
        parts: bundles.otherHardware.parts,
        description: `A manifest validly signed with the vendor key, but for hardware ID ${input.otherHardwareId}: the device must refuse it.`,
        kind: 'other-hardware',
        expect: 'rejected',
      },
    ],
  }
  const waitMs = deviceWait(input)
  const observe: ObserveSection = {
    // Polls and reports carry the hardware ID; manifest, signature and payload downloads name no one.
    identity: { server: [{ query: 'hw', equals: DEFAULT_HARDWARE_ID }], unnamed: 'device' },
    version: { from: 'server', routes: ['inventory'], extract: { pointer: '/version' }, timeoutMs: waitMs },
    model: { from: 'server', routes: ['inventory'], extract: { pointer: '/model' }, timeoutMs: waitMs },
    outcome: {
      from: 'server',
      routes: ['deployment-status'],
      extract: { state: { pointer: '/status' }, detail: { pointer: '/detail' } },
      // An update it already runs it declines to install: for the judges that is a refusal.
      states: {
        installed: ['success'],
        rejected: ['failure', 'already-installed'],
        pending: ['downloading', 'installing', 'pause_before_installing'],
      },
      timeoutMs: 30_000,
    },
    // Downloads, inventory and status reports follow a poll; only the poll is the check.
    checks: { from: 'server', routes: ['next-offering', 'next-idle'] },
    alive: { from: 'server', path: '/*', timeoutMs: waitMs },
  }
  return {
    name: `${NAME} as a detached-manifest client`,
    adapter: { kind: 'none', name: 'detached-manifest update client', timeouts: { defaultMs: 10_000, operations: {} } },
    operations: {},
    ...rest,
    images,
    mechanisms: { 'UpdMech-Network': { via: 'update-server' } },
    updateServer: {
      ...server,
      // The device polls on its own schedule (daily after a boot check); the server announces nothing.
      waitInterval: 'P1D',
      listenAtStart: true,
      firstContactTimeout: 'P2D',
      imagePath: '/updates/{{image.name}}/manifest',
      partPath: '/updates/{{image.name}}/{{part.name}}',
      routes,
    },
    observe,
    bench: benchSection(input, readyTimeoutMs(input.timeScale), { restarts: true }),
  }
}
