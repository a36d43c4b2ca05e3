/**
 * A fake device without an API for its version or outcome: like a Mender- or hawkBit-style update
 * agent it reports both only to its update server (the real emulator on 127.0.0.1): its installed
 * version in an inventory request (on every change and as a heartbeat), the result of each
 * installation in a status request. The profile says so in `observe`.
 */
import { afterEachTest } from '../../hooks.ts'
import { Agent, request } from 'undici'
import type { UpdateOutcome } from '../../../core/dut.ts'
import type { EmulatorRoute, ObserveSection } from '../../../profile/types.ts'
import { FakeDut, operationsWithout } from './fake-dut.ts'
import { fakeSession, type FakeSession, type FakeSessionOptions } from './fake-session.ts'

export const REPORT_ROUTES: EmulatorRoute[] = [
  { name: 'inventory', method: 'PUT', path: '/v1/inventory', status: 204 },
  { name: 'status', method: 'PUT', path: '/v1/deployments/:id/status', status: 204 },
]

/** Where the judges read what this device reports; only its polls of /v1/check are update checks. */
export const REPORTS_TO_SERVER: ObserveSection = {
  version: { from: 'server', routes: ['inventory'], extract: { pointer: '/artifact_name' }, timeoutMs: 1_000 },
  outcome: {
    from: 'server',
    routes: ['status'],
    extract: { state: { pointer: '/status' }, detail: { pointer: '/substate' } },
    states: { installed: ['success'], rejected: ['failure'], pending: ['downloading', 'installing', 'pause_before_installing'] },
    timeoutMs: 500,
  },
  checks: { from: 'server', routes: ['check-offering', 'check-idle'] },
}

export interface Reporting {
  /** Whether the device reports its version at all. Default true. */
  inventory?: boolean
  /** What the device says about an installation; default: the truth. */
  says?: (outcome: UpdateOutcome) => UpdateOutcome
  /** How often the inventory is sent when nothing changed. Default 100 ms. */
  heartbeatMs?: number
}

const STATUS: Record<UpdateOutcome['state'], string> = {
  installed: 'success',
  rejected: 'failure',
  pending: 'pause_before_installing',
  unknown: 'unknown',
}

const reporters = new Set<() => Promise<void>>()
afterEachTest(async () => {
  await Promise.all([...reporters].map((stop) => stop()))
  reporters.clear()
})

/** Reports what the device does, as its agent would, until the test ends. */
async function startReporting(s: FakeSession, r: Reporting): Promise<void> {
  const base = (await s.emulator()).url
  const agent = new Agent()
  const put = async (path: string, body: unknown) => {
    const res = await request(`${base}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      dispatcher: agent,
    })
    await res.body.dump()
  }
  let reportedOutcome: UpdateOutcome | undefined
  let reportedVersion: string | undefined
  let lastInventory = 0
  let deployment = 0
  let busy = false
  const tick = async () => {
    if (busy) return
    busy = true
    try {
      const outcome = s.dut.lastOutcome
      // The status of a deployment first, then the inventory: a version report follows the result.
      if (outcome && outcome !== reportedOutcome) {
        reportedOutcome = outcome
        const said = r.says ? r.says(outcome) : outcome
        await put(`/v1/deployments/${++deployment}/status`, { status: STATUS[said.state], ...(said.detail && { substate: said.detail }) })
      }
      const due = Date.now() - lastInventory >= (r.heartbeatMs ?? 100)
      if (r.inventory !== false && (s.dut.version !== reportedVersion || due)) {
        reportedVersion = s.dut.version
        lastInventory = Date.now()
        await put('/v1/inventory', { artifact_name: s.dut.version, device_type: s.dut.model })
      }
    } catch {
      // The emulator closed at the end of the test.
    } finally {
      busy = false
    }
  }
  await tick()
  const timer = setInterval(() => void tick(), 10)
  reporters.add(async () => {
    clearInterval(timer)
    await agent.close()
  })
}

/** A session around a device that answers neither identify nor read-outcome and reports to its server. */
export async function reportingSession(o: FakeSessionOptions & { reporting?: Reporting } = {}): Promise<FakeSession> {
  const dut = o.dut ?? new FakeDut({ operations: operationsWithout('identify', 'read-outcome') })
  const s = await fakeSession({
    ...o,
    dut,
    emulator: 'real',
    routes: [...REPORT_ROUTES, ...(o.routes ?? [])],
    observe: o.observe ?? REPORTS_TO_SERVER,
  })
  await startReporting(s, o.reporting ?? {})
  return s
}
