// The `observe` section of the DUT profile and the `none` channel: a device with no API at all,
// whose version and outcomes are read from its update server, is a valid profile; what the schema
// cannot say about observations (routes, brokers, operations, extractions) is a finding.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDut, loadDutProfile, profileSecrets } from '../../adapters/index.ts'
import { OPERATIONS } from '../../core/dut.ts'
import { EvidenceLog } from '../../core/evidence.ts'
import { formatFinding } from '../../ixit/findings.ts'
import { tempAssessment } from '../ixit/helpers.ts'

/** A Mender-style client: it polls for deployments, reports its inventory and each deployment's status. */
const MENDER = `name: update agent without an API
adapter: { kind: none }
updateServer:
  host: 127.0.0.1
  port: 8702
  routes:
    - { name: next, method: GET, path: /api/devices/v1/deployments/device/deployments/next, status: 204 }
    - { name: inventory, method: PATCH, path: /api/devices/v1/inventory/device/attributes, status: 200 }
    - { name: status, method: PUT, path: /api/devices/v1/deployments/device/deployments/:id/status, status: 204 }
mechanisms:
  UpdMech-Network: { via: update-server }
observe:
  version:
    from: server
    routes: [inventory]
    extract: { regex: '"name":"artifact_name","value":"(?<version>[^"]+)"', group: version }
  outcome:
    from: server
    routes: [status]
    extract: { state: { pointer: /status } }
    states: { installed: [success], rejected: [failure], pending: [downloading, installing, rebooting] }
  checks: { from: server, routes: [next] }
`

async function load(text: string) {
  const dir = await tempAssessment({ 'dut.yaml': text })
  const file = join(dir, 'dut.yaml')
  const result = await loadDutProfile(file)
  return { ...result, lines: result.findings.map((f) => formatFinding(f).replace(/^.*?: (error|warning): /, '$1: ')) }
}

describe('a device without an API, observed on its update server', () => {
  it('loads without findings, with the timeouts of its observations defaulted', async () => {
    const { profile, findings } = await load(MENDER)
    expect(findings).toEqual([])
    expect(profile?.adapter).toEqual({ kind: 'none', timeouts: { defaultMs: 5000, operations: {} } })
    expect(profile?.observe?.version).toMatchObject({ from: 'server', routes: ['inventory'], timeoutMs: 60000 })
    expect(profile?.observe?.outcome).toMatchObject({ timeoutMs: 60000, states: { pending: ['downloading', 'installing', 'rebooting'] } })
  })

  it('has a Dut that supports nothing and refuses every operation in the words of every channel', async () => {
    const { profile } = await load(MENDER.replace('adapter: { kind: none }', 'adapter: { kind: none, name: mender-client 4 }'))
    const dut = await createDut(profile!, { evidence: new EvidenceLog() })
    for (const op of OPERATIONS) expect(dut.supports(op)).toBe(false)
    await expect(dut.identify()).rejects.toMatchObject({
      code: 'E_DUT_NOT_DECLARED',
      message: 'identify: operation identify not declared in the DUT profile',
    })
    await expect(dut.restore()).rejects.toMatchObject({ code: 'E_DUT_NOT_DECLARED' })
    await dut.close()
  })

  it('declares no operations and no adapter settings beyond a name', async () => {
    const { lines } = await load(
      MENDER.replace('adapter: { kind: none }', 'adapter: { kind: none, baseUrl: x }\noperations: { identify: {} }'),
    )
    expect(lines).toEqual([
      'error: /adapter: unknown property "baseUrl" (allowed: kind, name, timeouts)',
      'error: /operations: unknown property "identify" (no properties allowed)',
    ])
  })

  it('is warned about when nothing observes its version', async () => {
    const { lines, profile } = await load(MENDER.replace(/ {2}version:\n(.*\n){3}/, ''))
    expect(profile).toBeDefined()
    expect(lines).toEqual([
      'warning: /adapter/kind: a device without an API needs observe.version: without it no installation can be seen, and the units that deliver images stay INCONCLUSIVE',
    ])
  })
})

describe('observe findings', () => {
  it('the schema names the source shapes: routes or a path for server facts, nothing else for operation facts', async () => {
    const { lines } = await load(
      MENDER.replace('    routes: [inventory]\n', '').replace(
        '  checks: { from: server, routes: [next] }',
        '  checks: { from: operation }\n  alive: { from: operation, topic: x }',
      ),
    )
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^error: \/observe\/version: /),
        expect.stringMatching(/^error: \/observe\/checks\/from: expected one of "server", "mqtt", "console", found "operation"/),
        expect.stringMatching(/^error: \/observe\/alive: invalid property name "topic", expected a property of from: operation \(from\)/),
      ]),
    )
  })

  it('each source must exist in the profile, and extractions must be able to work', async () => {
    const text = MENDER.replace('routes: [status]', 'routes: [statuses]')
      .replace('group: version }', 'group: v }')
      .replace(
        '  checks: { from: server, routes: [next] }',
        `  checks: { from: mqtt, topic: 'devices/+/jobs/get' }
  alive: { from: probe, command: { argv: [ssh, dut, 'true'] } }
  mqtt: { url: 'mqtt://192.0.2.1:1883' }`,
      )
    const { lines } = await load(text)
    expect(lines).toEqual([
      'error: /observe/version/extract/group: group "v" does not exist: the regular expression has named groups "version"',
      'error: /observe/outcome/routes/0: no route named "statuses" (routes: "next", "inventory", "status")',
      'error: /observe/mqtt/url: host "192.0.2.1" is not a loopback address; ts701 only targets loopback addresses (127.0.0.0/8, ::1, localhost) or namespaces it creates',
    ])
  })

  it('an MQTT fact needs a broker, an operation fact the operation, a query a request', async () => {
    const text = `name: x
adapter: { kind: none }
operations: {}
observe:
  version: { from: operation }
  outcome: { from: probe, command: { argv: [cat, /run/update-state] }, extract: { state: { query: state } }, states: { installed: [ok], rejected: [bad] } }
  alive: { from: mqtt, topic: dut/online }
  checks: { from: server, routes: [poll] }
`
    const { lines } = await load(text)
    expect(lines).toEqual([
      'error: /observe/version/from: observe.version is read through identify, but operations.identify is not declared',
      "error: /observe/outcome/extract/state/query: a query exists only in a request to the update server (from: server), not in a message or a probe's output",
      'error: /observe/alive/from: observe.alive is read from MQTT, but there is no broker: give observe.mqtt.url (or use adapter.kind mqtt)',
      'error: /observe/checks/from: observe.checks is read from the update server, but the profile declares no updateServer',
    ])
  })

  it("the observation broker's password is a secret of the profile, masked in evidence", async () => {
    const { profile } = await load(`${MENDER}  mqtt: { url: 'mqtt://127.0.0.1:1883', username: lab, passwordEnv: TS701_TEST_OBSERVE_PW }\n`)
    expect(profileSecrets(profile!, { TS701_TEST_OBSERVE_PW: 's3cret', OTHER: 'x' })).toEqual(['s3cret'])
  })
})
