import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatFinding } from '../../ixit/findings.ts'
import { loadDutProfile } from '../../adapters/index.ts'
import { positionOf, tempAssessment } from '../ixit/helpers.ts'

const COMPLETE = `name: MQTT device
adapter:
  kind: mqtt
  url: mqtts://127.0.0.1:8883
  clientId: ts701-lab
  auth: { username: lab, passwordEnv: TS701_TEST_MQTT_PW_NOT_SET }
  tls: { caFile: certs/ca.pem, certFile: certs/lab.pem, keyFile: certs/lab.key, serverName: broker.local }
  qos: 2
  timeouts: { defaultMs: 3000, operations: { deliver-image: 120000 } }
operations:
  identify:
    publish: { topic: devices/dut-1/cmd, payload: '{"cmd":"info","id":"{{requestId}}"}' }
    reply: { topic: devices/dut-1/reply, match: { pointer: /id, equals: '{{requestId}}' } }
    extract: { model: { pointer: /model }, version: { regex: 'v(?<v>[0-9.]+)', group: v } }
  read-settings:
    reply: { topic: devices/dut-1/state, retained: true }
    extract: { automaticUpdates: { pointer: /auto } }
  change-settings:
    disable-automatic-updates: { publish: { topic: devices/dut-1/set, payload: '{"auto":false}', qos: 1, retain: true } }
  deliver-image:
    mode: chunks
    begin: { topic: devices/dut-1/fw/begin, payload: '{"size":{{image.size}},"sha256":"{{image.sha256}}"}' }
    topic: 'devices/dut-1/fw/{{chunk.index}}/{{chunk.total}}'
    chunkBytes: 65536
    encoding: base64
    end: { topic: devices/dut-1/fw/end, payload: '{{requestId}}' }
    reply: { topic: 'devices/+/fw/result', match: { regex: 'id={{requestId}}' } }
    extract: { accepted: { pointer: /ok } }
  read-outcome:
    reply: { topic: 'devices/dut-1/events/#' }
    extract: { state: { pointer: /state }, version: { pointer: /version } }
    states: { installed: [installed], rejected: [rejected], pending: [installing] }
  read-notifications:
    publish: { topic: devices/dut-1/cmd, payload: notifications }
    reply: { topic: devices/dut-1/notifications }
    extract: { items: { pointer: /items }, text: { pointer: /text } }
  check-now: { publish: { topic: devices/dut-1/cmd, payload: check } }
  reboot: { publish: { topic: devices/dut-1/cmd, payload: reboot }, readyTimeoutMs: 90000 }
  factory-reset: { publish: { topic: devices/dut-1/cmd, payload: reset }, reply: { topic: devices/dut-1/bye } }
mechanisms:
  UpdMech-Mqtt: { via: deliver-image }
`

const FILES = ['certs/ca.pem', 'certs/lab.pem', 'certs/lab.key']

async function load(text: string) {
  const dir = await tempAssessment({ ...Object.fromEntries(FILES.map((f) => [f, 'x'])), 'dut.yaml': text })
  const file = join(dir, 'dut.yaml')
  const result = await loadDutProfile(file)
  return { ...result, dir, file, lines: result.findings.map(formatFinding) }
}

function variant(from: string, to: string): string {
  expect(COMPLETE).toContain(from)
  return COMPLETE.replace(from, to)
}

describe('MQTT DUT profiles', () => {
  it('load with file paths resolved and defaults filled in', async () => {
    const { profile, findings, dir } = await load(COMPLETE)
    expect(findings).toEqual([])
    expect(profile?.adapter).toEqual({
      kind: 'mqtt',
      url: 'mqtts://127.0.0.1:8883',
      clientId: 'ts701-lab',
      auth: { username: 'lab', passwordEnv: 'TS701_TEST_MQTT_PW_NOT_SET' },
      tls: {
        caFile: join(dir, 'certs/ca.pem'),
        certFile: join(dir, 'certs/lab.pem'),
        keyFile: join(dir, 'certs/lab.key'),
        serverName: 'broker.local',
      },
      qos: 2,
      timeouts: { defaultMs: 3000, operations: { 'deliver-image': 120000 } },
    })
    if (profile?.adapter.kind !== 'mqtt') throw new Error('expected an MQTT profile')
    const ops = profile.operations as import('../../adapters/mqtt/profile.ts').MqttOperationMap
    // Every default of the schema is filled in, the flags that default to false too.
    expect(ops['read-outcome']).toEqual({
      reply: { topic: 'devices/dut-1/events/#', retained: false },
      extract: { state: { pointer: '/state' }, version: { pointer: '/version' } },
      states: { installed: ['installed'], rejected: ['rejected'], pending: ['installing'] },
      timeoutMs: 60000,
    })
    expect(ops.reboot?.readyTimeoutMs).toBe(90000)
    expect(ops['factory-reset']).toEqual({
      publish: { topic: 'devices/dut-1/cmd', payload: 'reset', retain: false },
      reply: { topic: 'devices/dut-1/bye', retained: false },
      readyTimeoutMs: 60000,
    })
    expect(ops['deliver-image']).toMatchObject({
      mode: 'chunks',
      chunkBytes: 65536,
      encoding: 'base64',
      topic: 'devices/dut-1/fw/{{chunk.index}}/{{chunk.total}}',
    })
    expect(ops['change-settings']?.['disable-automatic-updates']).toEqual({
      publish: { topic: 'devices/dut-1/set', payload: '{"auto":false}', qos: 1, retain: true },
    })
  })

  it('a minimal profile gets qos 1 and the default timeouts', async () => {
    const { profile, findings } = await load(
      `name: m\nadapter: { kind: mqtt, url: 'ws://localhost:9001/mqtt' }\noperations:\n  read-outcome: { reply: { topic: e }, extract: { state: { regex: 'state=(\\w+)' } }, states: { installed: [a], rejected: [b] } }\n`,
    )
    expect(findings).toEqual([])
    expect(profile?.adapter).toEqual({
      kind: 'mqtt',
      url: 'ws://localhost:9001/mqtt',
      qos: 1,
      timeouts: { defaultMs: 5000, operations: {} },
    })
    expect(profile?.operations['read-outcome']).toMatchObject({ timeoutMs: 60000, states: { pending: [] } })
  })

  it('schema errors are one line each, at the offending node, in terms of the MQTT shapes', async () => {
    const text = variant('  url: mqtts://127.0.0.1:8883', '  url: http://127.0.0.1:8883\n  lenient: true')
      .replace('qos: 2', 'qos: 3')
      .replace(
        'publish: { topic: devices/dut-1/cmd, payload: \'{"cmd":"info","id":"{{requestId}}"}\' }',
        'request: { method: GET, path: /api/info }',
      )
      .replace('    chunkBytes: 65536', "    publish: { topic: devices/dut-1/fw, payload: '' }\n    chunkBytes: 0")
      .replace('encoding: base64', 'encoding: hex')
      .replace("reply: { topic: 'devices/dut-1/events/#' }", "reply: { topic: 'devices/dut-1/events/#', match: { pointer: /id } }")
    const { lines, file, profile } = await load(text)
    expect(profile).toBeUndefined()
    const at = (context: string, mark?: string) => {
      const p = positionOf(text, context, mark)
      return `${file}:${p.line}:${p.column}: error:`
    }
    expect(lines).toEqual([
      `${at('url: http', 'http')} /adapter/url: expected an mqtt://, mqtts://, ws:// or wss:// URL (e.g. "mqtt://127.0.0.1:1883"), found "http://127.0.0.1:8883"`,
      `${at('lenient: true')} /adapter: unknown property "lenient" (allowed: kind, url, clientId, auth, tls, qos, timeouts)`,
      `${at('qos: 3', '3')} /adapter/qos: expected one of 0, 1, 2, found 3`,
      `${at('request: { method: GET')} /operations/identify: unknown property "request" (allowed: publish, reply, extract)`,
      `${at("publish: { topic: devices/dut-1/fw, payload: '' }")} /operations/deliver-image: invalid property name "publish", expected a property of chunks mode (mode, begin, topic, chunkBytes, encoding, end, reply, extract)`,
      `${at('chunkBytes: 0', '0')} /operations/deliver-image/chunkBytes: must be >= 1, found 0`,
      `${at('encoding: hex', 'hex')} /operations/deliver-image/encoding: expected one of "binary", "base64", found "hex"`,
      `${at('match: { pointer: /id }', 'pointer')} /operations/read-outcome/reply/match: missing required property "equals"`,
    ])
  })

  it('checks the broker, topics, placeholders, extractions and files', async () => {
    const text = variant('url: mqtts://127.0.0.1:8883', 'url: mqtts://lab:secret@127.0.0.1:8883')
      .replace('keyFile: certs/lab.key, ', '')
      .replace('certFile: certs/lab.pem', 'certFile: certs/missing.pem')
      .replace('topic: devices/dut-1/cmd, payload: \'{"cmd":"info"', 'topic: devices/+/cmd, payload: \'{"cmd":"info{{chunk.index}}"')
      .replace('topic: devices/dut-1/state, retained: true', "topic: 'devices/dut-1/state#', retained: true")
      .replace("version: { regex: 'v(?<v>[0-9.]+)', group: v }", 'version: { header: x-version }')
      .replace("match: { regex: 'id={{requestId}}' }", "match: { regex: 'id=({{requestId}}' }")
      .replace('payload: \'{"auto":false}\'', "payload: '{{image.url}}'")
      .replace("    topic: 'devices/dut-1/fw/{{chunk.index}}/{{chunk.total}}'", "    topic: 'devices/dut-1/fw/#'")
    const { lines, file, profile } = await load(text)
    expect(profile).toBeUndefined()
    const at = (context: string, mark?: string) => {
      const p = positionOf(text, context, mark)
      return `${file}:${p.line}:${p.column}: error:`
    }
    expect(lines).toEqual([
      `${at('url: mqtts', 'mqtts')} /adapter/url: credentials do not belong in the broker URL; declare adapter.auth (username, passwordEnv) instead`,
      `${at('certFile: certs/missing.pem', 'certs')} /adapter/tls/certFile: a client certificate needs both certFile and keyFile; keyFile is missing`,
      `${at('certFile: certs/missing.pem', 'certs')} /adapter/tls/certFile: file "certs/missing.pem" (resolved to ${join(file, '..', 'certs/missing.pem')}) does not exist`,
      `${at('topic: devices/+/cmd', 'devices')} /operations/identify/publish/topic: "devices/+/cmd" contains a wildcard (+ or #); messages are published to a topic name, wildcards belong in reply topic filters`,
      `${at('payload: \'{"cmd":"info{{', "'")} /operations/identify/publish/payload: unknown placeholder {{chunk.index}} (this operation fills {{requestId}})`,
      `${at('header: x-version', 'header')} /operations/identify/extract/version/header: an MQTT message has no headers; extract with a JSON pointer or a regular expression over the payload`,
      `${at("topic: 'devices/dut-1/state#'", "'")} /operations/read-settings/reply/topic: "devices/dut-1/state#" is no valid topic filter: # must stand alone as the last level (e.g. devices/#)`,
      `${at("payload: '{{image.url}}'", "'")} /operations/change-settings/disable-automatic-updates/publish/payload: unknown placeholder {{image.url}} (this operation fills {{requestId}})`,
      `${at("topic: 'devices/dut-1/fw/#'", "'")} /operations/deliver-image/topic: "devices/dut-1/fw/#" contains a wildcard (+ or #); messages are published to a topic name, wildcards belong in reply topic filters`,
      `${at("regex: 'id=({{requestId}}'", "'")} /operations/deliver-image/reply/match/regex: invalid regular expression: /id=({{requestId}}/: Unterminated group`,
    ])
  })

  it('rejects a broker that is not on loopback', async () => {
    const text = variant('url: mqtts://127.0.0.1:8883', 'url: mqtts://broker.vendor.example:8883')
    const { lines } = await load(text)
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/adapter/url: host "broker.vendor.example" is not a loopback address; ts701 only targets loopback addresses (127.0.0.0/8, ::1, localhost) or namespaces it creates',
    ])
  })

  it('warns when a restart cannot be waited for, because identify is not declared', async () => {
    const text = COMPLETE.replace(/ {2}identify:\n(?: {4}.*\n){3}/, '')
    expect(text).not.toContain('  identify:')
    const { profile, findings, file } = await load(text)
    expect(profile).toBeDefined()
    const lines = findings.map(formatFinding)
    const p = (op: string) => positionOf(text, `  ${op}: {`, op)
    expect(lines).toEqual([
      `${file}:${p('reboot').line}:${p('reboot').column}: warning: /operations/reboot: reboot waits until identify answers again, but operations.identify is not declared`,
      `${file}:${p('factory-reset').line}:${p('factory-reset').column}: warning: /operations/factory-reset: factory-reset waits until identify answers again, but operations.identify is not declared`,
    ])
  })

  it('an adapter kind that does not exist, or none, is said once; the operations are not judged against a guess', async () => {
    const unknown = await load('name: x\nadapter: { kind: coap, url: coap://127.0.0.1 }\noperations: { identify: { whatever: 1 } }\n')
    expect(unknown.lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/adapter/kind: expected one of "http", "mqtt", "serial", "none", found "coap"',
    ])
    const none = await load('name: x\nadapter: { url: mqtt://127.0.0.1 }\noperations: {}\n')
    expect(none.lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual(['/adapter: missing required property "kind"'])
  })
})
