import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { CHANNELS } from '../../adapters/registry.ts'
import { isRecord } from '../../ixit/documents.ts'
import { composeProfileSchema } from '../../profile/schema.ts'
import { parseSource } from '../../ixit/source.ts'
import { tempAssessment } from '../ixit/helpers.ts'

// The schema's `default` keywords are the only place a default is written; the loader fills them
// in with ajv. These tests hold the loader to that: it adds nothing else, and leaves none out.

/** Documents that omit every defaulted field their kind has, between them. */
const SAMPLES: Record<string, string> = {
  'http, poll': `name: h
adapter: { kind: http, baseUrl: 'http://127.0.0.1:1', tls: { caFile: f.pem } }
operations:
  read-outcome: { mode: poll, request: { method: GET, path: /s }, extract: { state: { pointer: /s } }, states: { installed: [a], rejected: [b] } }
  identify: { request: { method: GET, path: /i }, extract: { model: { pointer: /m }, version: { pointer: /v } } }
  reboot: { request: { method: POST, path: /r } }
  factory-reset: { request: { method: POST, path: /f } }
  restore: { request: { method: POST, path: /x } }
updateServer: { host: 127.0.0.1, port: 1, routes: [] }
images: { format: raw, valid: { file: f.bin, version: '1' }, attacks: [{ name: a, file: f.bin, description: d }] }
`,
  'http, sse': `name: h
adapter: { kind: http, baseUrl: 'http://127.0.0.1:1' }
operations:
  read-outcome: { mode: sse, request: { method: GET, path: /e }, extract: { state: { pointer: /s } }, states: { installed: [a], rejected: [b] } }
images: { format: raw, valid: { file: f.bin, version: '1' } }
`,
  'http, version': `name: h
adapter: { kind: http, baseUrl: 'http://127.0.0.1:1' }
operations:
  read-outcome: { mode: version, settleMs: 0 }
`,
  mqtt: `name: m
adapter: { kind: mqtt, url: 'mqtt://127.0.0.1:1' }
operations:
  identify: { publish: { topic: c, payload: i }, reply: { topic: r }, extract: { model: { pointer: /m }, version: { pointer: /v } } }
  read-outcome: { reply: { topic: e }, extract: { state: { pointer: /s } }, states: { installed: [a], rejected: [b] } }
  reboot: { publish: { topic: c, payload: r } }
`,
  serial: `name: s
adapter: { kind: serial, port: /dev/ttyUSB0 }
operations:
  identify: { send: v, expect: '(?<model>\\S+) (?<version>\\S+)' }
  read-outcome: { send: s, expect: '(?<state>\\w+)', states: { installed: [a], rejected: [b] } }
  reboot: { send: r, expect: ok }
`,
  'none, detached': `name: d
adapter: { kind: none }
operations: {}
observe: { version: { from: probe, command: { argv: [cat, version] } } }
images:
  format: detached
  detached: { manifest: { payloadSha256: /sha256 }, signature: { algorithm: ecdsa-p256-sha256 } }
  valid: { file: f.bin, version: '1', parts: { payload: f.bin, signature: f.bin } }
`,
  'none, observed': `name: n
adapter: { kind: none }
operations: {}
updateServer: { host: 127.0.0.1, port: 1, routes: [{ name: inventory, method: PATCH, path: /inventory, status: 200 }] }
observe:
  mqtt: { url: 'mqtt://127.0.0.1:1' }
  version: { from: server, routes: [inventory], extract: { pointer: /version } }
  outcome: { from: probe, command: { argv: [cat, status] }, extract: { state: { regex: '\\w+' } }, states: { installed: [ok], rejected: [failed] } }
  alive: { from: mqtt, topic: dut/online }
`,
}

interface Added {
  path: string
  key: string
  value: unknown
}

/** Every node of `loaded` that `written` lacks (`file` and `source` are the loader's own). */
function added(loaded: unknown, written: unknown, path: string[] = []): Added[] {
  const here = { path: path.join('/'), key: path.at(-1) ?? '', value: loaded }
  const inner = (key: string | number, value: unknown, was: unknown) => added(value, was, [...path, String(key)])
  if (Array.isArray(loaded)) {
    const items = loaded.flatMap((v, i) => inner(i, v, Array.isArray(written) ? written[i] : undefined))
    return written === undefined ? [here, ...items] : items
  }
  if (isRecord(loaded)) {
    const keys = Object.entries(loaded).filter(([k]) => path.length > 0 || (k !== 'file' && k !== 'source'))
    const props = keys.flatMap(([k, v]) => inner(k, v, isRecord(written) ? written[k] : undefined))
    return written === undefined ? [here, ...props] : props
  }
  return written === undefined ? [here] : []
}

/** The schema's defaults by property name: what a loaded profile may have that its document lacks. */
function schemaDefaults(): Map<string, unknown[]> {
  const defaults = new Map<string, unknown[]>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit)
    if (!isRecord(node)) return
    for (const [name, prop] of Object.entries(isRecord(node.properties) ? node.properties : {})) {
      if (isRecord(prop) && 'default' in prop) defaults.set(name, [...(defaults.get(name) ?? []), prop.default])
    }
    Object.values(node).forEach(visit)
  }
  visit(composeProfileSchema(CHANNELS))
  return defaults
}

async function loadAll(): Promise<Added[]> {
  const dir = await tempAssessment({ 'f.pem': 'x', 'f.bin': 'x' })
  const all: Added[] = []
  for (const [name, text] of Object.entries(SAMPLES)) {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`)
    await writeFile(file, text)
    const { profile, findings } = await loadDutProfile(file)
    expect(findings, name).toEqual([])
    all.push(...added(profile, parseSource(file, text).doc?.value).map((a) => ({ ...a, path: `${name}: ${a.path}` })))
  }
  return all
}

const isEmpty = (v: unknown) => (Array.isArray(v) ? v.length === 0 : isRecord(v) && Object.keys(v).length === 0)
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

describe('the defaults of the DUT profile', () => {
  it('the loader fills in nothing the schema does not declare as a default', async () => {
    const defaults = schemaDefaults()
    // Leaves only: a container the loader adds is the default {} with its own defaults inside.
    const leaves = (await loadAll()).filter((a) => !(isRecord(a.value) || Array.isArray(a.value)) || isEmpty(a.value))
    const undeclared = leaves.filter((a) => !(defaults.get(a.key) ?? []).some((d) => same(d, a.value)))
    expect(undeclared.map((a) => `${a.path} = ${JSON.stringify(a.value)}`)).toEqual([])
    expect(leaves.map((a) => a.path)).toContain('serial: adapter/baudRate')
  })

  it('every default the schema declares is filled in', async () => {
    const filled = await loadAll()
    const missing = [...schemaDefaults()].flatMap(([name, values]) =>
      values
        .filter((d) => !filled.some((a) => a.key === name && (same(a.value, d) || (isEmpty(d) && isRecord(d) && isRecord(a.value)))))
        .map((d) => `${name} = ${JSON.stringify(d)}`),
    )
    expect(missing).toEqual([])
  })
})
