// Named deliveries (`operations.deliveries`) and the mechanisms that take one
// (`mechanisms.<id>.delivery`), on every channel: what loads, and the one finding a mechanism
// naming a delivery the profile lacks gets, at the value, with file, line and column.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { formatFinding } from '../../ixit/findings.ts'
import { positionOf, tempAssessment } from '../ixit/helpers.ts'

const SERVER = `updateServer:
  host: 127.0.0.1
  port: 8702
  routes:
    - { name: image, method: GET, path: '/images/*', status: 200, serve: image }
`

/** Per channel: a profile with a default delivery and one named delivery of another mode. */
const PROFILES = {
  http: `name: two ways over http
adapter: { kind: http, baseUrl: 'http://127.0.0.1:8701' }
operations:
  deliver-image: { mode: raw, request: { method: POST, path: /api/update } }
  deliveries:
    fetch-url:
      mode: url
      request: { method: POST, path: /api/update/url, body: '{"url":"{{image.url}}","sha256":"{{image.sha256}}"}' }
mechanisms:
  UpdMech-Upload: { via: deliver-image }
  UpdMech-Fetch: { via: deliver-image, delivery: fetch-url }
${SERVER}`,
  mqtt: `name: two ways over mqtt
adapter: { kind: mqtt, url: 'mqtt://127.0.0.1:1883' }
operations:
  deliver-image: { mode: chunks, topic: 'dut/update/chunk/{{chunk.index}}', chunkBytes: 1024, encoding: base64 }
  deliveries:
    fetch-url:
      mode: url
      publish: { topic: dut/update/url, payload: '{"url":"{{image.url}}","id":"{{requestId}}"}' }
mechanisms:
  UpdMech-Upload: { via: deliver-image }
  UpdMech-Fetch: { via: deliver-image, delivery: fetch-url }
${SERVER}`,
  serial: `name: two ways over the console
adapter: { kind: serial, port: /dev/ttyUSB0, prompt: '^dut> $' }
operations:
  deliver-image:
    mode: base64-lines
    begin: { send: 'update begin {{image.size}} {{image.sha256}}', expect: '^ready' }
    lineBytes: 768
    end: { send: update end, expect: '^update: (?<accepted>accepted|rejected)' }
  deliveries:
    fetch-url:
      mode: url
      exchange: { send: 'update url {{image.url}} {{image.size}} {{image.sha256}}', expect: '^update: (?<accepted>accepted|rejected)' }
mechanisms:
  UpdMech-Upload: { via: deliver-image }
  UpdMech-Fetch: { via: deliver-image, delivery: fetch-url }
${SERVER}`,
} as const

async function load(text: string) {
  const dir = await tempAssessment({ 'dut.yaml': text })
  const file = join(dir, 'dut.yaml')
  const result = await loadDutProfile(file)
  return { ...result, file, lines: result.findings.map(formatFinding) }
}

function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from)
  return text.replace(from, to)
}

describe.each(Object.entries(PROFILES))('named deliveries over %s', (kind, text) => {
  it('load beside deliver-image, and a mechanism names the one it is driven by', async () => {
    const { profile, lines } = await load(text)
    expect(lines).toEqual([])
    expect(profile?.mechanisms).toEqual({
      'UpdMech-Upload': { via: 'deliver-image' },
      'UpdMech-Fetch': { via: 'deliver-image', delivery: 'fetch-url' },
    })
    expect(profile?.operations.deliveries?.['fetch-url']).toMatchObject({ mode: 'url' })
    expect(profile?.operations['deliver-image']?.mode).not.toBe('url')
  })

  it('a mechanism naming a delivery the profile lacks is one finding, at the name', async () => {
    const bad = edit(text, 'delivery: fetch-url }', 'delivery: fetch-ulr }')
    const { profile, lines, file } = await load(bad)
    expect(profile).toBeUndefined()
    const p = positionOf(bad, 'delivery: fetch-ulr', 'fetch-ulr')
    expect(lines).toEqual([
      `${file}:${p.line}:${p.column}: error: /mechanisms/UpdMech-Fetch/delivery: mechanism UpdMech-Fetch names delivery "fetch-ulr", but operations.deliveries declares only "fetch-url"`,
    ])
  })

  it('a named delivery is validated as deliver-image is, at its own path', async () => {
    const { lines } = await load(edit(text, '      mode: url', '      mode: carrier-pigeon'))
    expect(lines).toEqual([
      expect.stringMatching(/: error: \/operations\/deliveries\/fetch-url\/mode: expected one of .*found "carrier-pigeon"$/),
    ])
  })

  it('a placeholder a delivery does not fill is reported inside the named delivery', async () => {
    const { lines } = await load(edit(text, '{{image.url}}', '{{image.link}}'))
    const at = { http: 'request/body', mqtt: 'publish/payload', serial: 'exchange/send' }[kind]
    expect(lines).toEqual([expect.stringContaining(`: error: /operations/deliveries/fetch-url/${at}: unknown placeholder {{image.link}}`)])
  })
})

describe('mechanism deliveries that cannot work', () => {
  it('without any named delivery, the finding says there is none', async () => {
    const text = PROFILES.http.replace(/ {2}deliveries:\n(?: {4}.*\n)+/, '')
    expect(text).not.toContain('deliveries')
    const { lines } = await load(text)
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/mechanisms/UpdMech-Fetch/delivery: mechanism UpdMech-Fetch names delivery "fetch-url", but operations.deliveries declares none',
    ])
  })

  it('a delivery on a mechanism driven via the update server is a conflict', async () => {
    const { lines } = await load(edit(PROFILES.serial, 'UpdMech-Fetch: { via: deliver-image,', 'UpdMech-Fetch: { via: update-server,'))
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/mechanisms/UpdMech-Fetch/delivery: mechanism UpdMech-Fetch is driven via the update server, which hands over images itself; delivery applies to via: deliver-image',
    ])
  })

  it('a URL delivery needs an update server to serve the image', async () => {
    const { lines } = await load(PROFILES.mqtt.replace(SERVER, ''))
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/mechanisms/UpdMech-Fetch/delivery: delivery "fetch-url" tells the device a URL to fetch the image from, but the profile declares no updateServer to serve it',
    ])
  })

  it('delivery names follow the pattern of IXIT entry IDs', async () => {
    const text = edit(PROFILES.http, '    fetch-url:\n', '    "-fetch url":\n').replace('delivery: fetch-url', 'delivery: "-fetch url"')
    const { lines } = await load(text)
    const name = 'a delivery name (letters, digits, dots, underscores and hyphens, not starting with a dot, underscore or hyphen)'
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      `/operations/deliveries: invalid property name "-fetch url", expected ${name}`,
      `/mechanisms/UpdMech-Fetch/delivery: expected ${name} (e.g. "console-url"), found "-fetch url"`,
    ])
  })

  it('a mechanism without a delivery still needs operations.deliver-image', async () => {
    const text = edit(PROFILES.http, '  deliver-image: { mode: raw, request: { method: POST, path: /api/update } }\n', '')
    const { lines } = await load(text)
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/mechanisms/UpdMech-Upload/via: mechanism UpdMech-Upload is driven via deliver-image, but operations.deliver-image is not declared',
    ])
  })
})
