import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatFinding } from '../../ixit/findings.ts'
import { loadDutProfile } from '../../adapters/index.ts'
import { positionOf, tempAssessment } from '../ixit/helpers.ts'

const COMPLETE = `# yaml-language-server: $schema=../profile/dut.schema.json
name: reference DUT
adapter:
  kind: http
  baseUrl: http://127.0.0.1:8701
  auth: { kind: bearer, tokenEnv: TS701_TEST_TOKEN_NOT_SET }
  tls: { caFile: certs/ca.pem, serverName: dut.local }
  lenient: true
  timeouts: { defaultMs: 3000, operations: { deliver-image: 120000 } }
timeScale: 3600
observationSeconds: 30
operations:
  identify:
    request: { method: GET, path: /api/info }
    extract: { model: { pointer: /model }, version: { regex: 'v(?<v>[0-9.]+)', group: v } }
  read-settings:
    request: { method: GET, path: /api/settings }
    extract: { automaticUpdates: { pointer: /auto } }
  change-settings:
    disable-automatic-updates: { method: PUT, path: /api/settings, body: '{"auto":false}' }
  deliver-image:
    mode: multipart
    field: firmware
    request: { method: POST, path: '/api/update?sha={{image.sha256}}' }
    extract: { accepted: { pointer: /ok } }
  read-outcome:
    mode: poll
    request: { method: GET, path: /api/update/status }
    extract: { state: { pointer: /state }, version: { header: x-version } }
    states: { installed: [installed], rejected: [rejected], pending: [installing] }
  read-notifications:
    request: { method: GET, path: /api/notifications }
    extract: { items: { pointer: /items }, text: { pointer: /text } }
  check-now: { request: { method: POST, path: /api/update/check } }
  reboot: { request: { method: POST, path: /api/reboot }, readyTimeoutMs: 90000 }
  factory-reset: { request: { method: POST, path: /api/reset } }
  restore: { request: { method: POST, path: /api/restore } }
mechanisms:
  UpdMech-Network: { via: update-server }
  UpdMech-Local: { via: deliver-image }
updateServer:
  host: 127.0.0.1
  port: 8443
  tls: { certFile: certs/server.pem, keyFile: certs/server.key, caCertFile: certs/ca.pem, caKeyFile: certs/ca.key }
  pollInterval: PT1H
  routes:
    - { name: check, method: GET, path: /api/v1/check, when: offering, status: 200, body: '{"version":"1.5.0"}' }
    - { name: image, method: GET, path: '/images/*', status: 200, serve: image, afterSeen: check }
images:
  format: ts701
  valid: { file: images/valid.bin, version: 1.5.0 }
  older: { file: images/older.bin, version: 1.3.0 }
  attacks:
    - { name: payload-byte-middle, file: images/attack.bin, description: one byte of the payload flipped }
publications:
  - { from: 'https://vendor.example/support', to: 'http://localhost:8701/support' }
`

const MINIMAL = `name: minimal
adapter: { kind: http, baseUrl: 'http://[::1]:8701' }
operations:
  read-outcome: { mode: sse, request: { method: GET, path: /events }, extract: { state: { pointer: /s } }, states: { installed: [ok], rejected: [bad] } }
  reboot: { request: { method: POST, path: /reboot } }
updateServer:
  host: localhost
  port: 8080
  routes: []
images:
  format: raw
  valid: { file: ABSOLUTE, version: '2' }
`

const FILES = [
  'certs/ca.pem',
  'certs/ca.key',
  'certs/server.pem',
  'certs/server.key',
  'images/valid.bin',
  'images/older.bin',
  'images/attack.bin',
]

async function folder(files: Record<string, string>): Promise<string> {
  return tempAssessment({ ...Object.fromEntries(FILES.map((f) => [f, 'x'])), ...files })
}

/** Loads `text` as dut.yaml and returns its findings as printed lines. */
async function lint(text: string, name = 'dut.yaml'): Promise<{ lines: string[]; file: string }> {
  const dir = await folder({ [name]: text })
  const file = join(dir, name)
  const { profile, findings } = await loadDutProfile(file)
  expect(profile).toBeUndefined()
  return { lines: findings.map(formatFinding), file }
}

/** A complete profile with `from` replaced by `to` (which must occur). */
function variant(from: string, to: string): string {
  expect(COMPLETE).toContain(from)
  return COMPLETE.replace(from, to)
}

describe('loading a DUT profile', () => {
  it('loads a complete profile, with file paths resolved against its folder', async () => {
    const dir = await folder({ 'dut.yaml': COMPLETE })
    const file = join(dir, 'dut.yaml')
    const { profile, findings } = await loadDutProfile(file)
    expect(findings).toEqual([])
    expect(profile).toBeDefined()
    expect(profile).toMatchObject({
      file,
      name: 'reference DUT',
      adapter: {
        kind: 'http',
        baseUrl: 'http://127.0.0.1:8701',
        lenient: true,
        auth: { kind: 'bearer', tokenEnv: 'TS701_TEST_TOKEN_NOT_SET' },
        tls: { caFile: join(dir, 'certs/ca.pem'), serverName: 'dut.local' },
        timeouts: { defaultMs: 3000, operations: { 'deliver-image': 120000 } },
      },
      timeScale: 3600,
      observationSeconds: 30,
      mechanisms: { 'UpdMech-Network': { via: 'update-server' }, 'UpdMech-Local': { via: 'deliver-image' } },
      updateServer: {
        host: '127.0.0.1',
        port: 8443,
        pollInterval: 'PT1H',
        imagePath: '/images/{{image.name}}',
        tls: {
          certFile: join(dir, 'certs/server.pem'),
          keyFile: join(dir, 'certs/server.key'),
          caCertFile: join(dir, 'certs/ca.pem'),
          caKeyFile: join(dir, 'certs/ca.key'),
        },
      },
      images: {
        format: 'ts701',
        valid: { file: join(dir, 'images/valid.bin'), version: '1.5.0' },
        older: { file: join(dir, 'images/older.bin'), version: '1.3.0' },
        attacks: [
          {
            name: 'payload-byte-middle',
            file: join(dir, 'images/attack.bin'),
            description: 'one byte of the payload flipped',
            expect: 'rejected',
          },
        ],
      },
      publications: [{ from: 'https://vendor.example/support', to: 'http://localhost:8701/support' }],
      source: { file, line: 2, column: 1 },
    })
    const ops = profile!.operations
    expect(ops['read-outcome']).toEqual({
      mode: 'poll',
      request: { method: 'GET', path: '/api/update/status' },
      extract: { state: { pointer: '/state' }, version: { header: 'x-version' } },
      states: { installed: ['installed'], rejected: ['rejected'], pending: ['installing'] },
      intervalMs: 500,
      timeoutMs: 60000,
    })
    expect(ops.reboot?.readyTimeoutMs).toBe(90000)
    expect(ops['factory-reset']?.readyTimeoutMs).toBe(60000)
    expect(ops.restore?.readyTimeoutMs).toBe(60000)
    expect(ops['deliver-image']).toMatchObject({ mode: 'multipart', field: 'firmware' })
    expect(profile!.updateServer?.routes[1]).toEqual({
      name: 'image',
      method: 'GET',
      path: '/images/*',
      status: 200,
      serve: 'image',
      afterSeen: 'check',
    })
  })

  it('fills in the defaults of a minimal profile', async () => {
    const dir = await folder({})
    const absolute = join(dir, 'images/valid.bin')
    await writeFile(join(dir, 'dut.yaml'), MINIMAL.replace('ABSOLUTE', absolute))
    const { profile, findings } = await loadDutProfile(join(dir, 'dut.yaml'))
    expect(findings).toEqual([])
    expect(profile).toMatchObject({
      adapter: { lenient: false, timeouts: { defaultMs: 5000, operations: {} } },
      timeScale: 1,
      observationSeconds: 600,
      mechanisms: {},
      publications: [],
      updateServer: { imagePath: '/images/{{image.name}}', routes: [] },
      images: { format: 'raw', valid: { file: absolute, version: '2' }, attacks: [] },
    })
    expect(profile!.operations['read-outcome']).toMatchObject({ mode: 'sse', timeoutMs: 60000, states: { pending: [] } })
    expect(profile!.operations.reboot?.readyTimeoutMs).toBe(60000)
    expect(profile!.adapter.kind === 'http' && profile!.adapter.tls).toBeFalsy()
  })

  it('reads the signed byte ranges a lab declares for a raw image, and refuses an empty range', async () => {
    const dir = await folder({})
    const absolute = join(dir, 'images/valid.bin')
    const ranged = (ranges: string) =>
      MINIMAL.replace('ABSOLUTE', absolute).replace("version: '2' }\n", `version: '2' }\n  signedRanges: ${ranges}\n`)
    await writeFile(join(dir, 'dut.yaml'), ranged('[{ offset: 0, length: 512 }, { offset: 4096, length: 100 }]'))
    const { profile, findings } = await loadDutProfile(join(dir, 'dut.yaml'))
    expect(findings).toEqual([])
    expect(profile?.images?.signedRanges).toEqual([
      { offset: 0, length: 512 },
      { offset: 4096, length: 100 },
    ])
    // lint() writes a folder of its own: the image is named inside it, where a profile's files must be.
    const { lines, file } = await lint(ranged('[{ offset: 0, length: 0 }]').replace(absolute, 'images/valid.bin'))
    expect(lines).toEqual([`${file}:13:39: error: /images/signedRanges/0/length: must be >= 1, found 0`])
  })

  it('reads a detached image: its layout, and parts resolved beside the profile; both parts are required', async () => {
    const detached = (valid: string, extra = '') => `name: detached
adapter: { kind: none, name: manifest client }
operations: {}
mechanisms: { UpdMech-Network: { via: update-server } }
updateServer:
  host: 127.0.0.1
  port: 8080
  partPath: '/u/{{image.name}}/{{part.name}}'
  routes:
    - { name: manifest, method: GET, path: '/u/:name', status: 200, serve: image }
    - { name: payload, method: GET, path: '/u/:name/payload', status: 200, serve: image, part: payload }
    - { name: signature, method: GET, path: '/u/:name/signature', status: 200, serve: image, part: signature }
images:
  format: detached
  detached: { manifest: { payloadSha256: /payload/sha256, version: /version }, signature: { algorithm: ecdsa-p256-sha256 } }
  valid: ${valid}
${extra}`
    const files = { 'u/m.json': '{}', 'u/p.bin': 'x', 'u/m.sig': 'x' }
    const dir = await folder({
      ...files,
      'dut.yaml': detached('{ file: u/m.json, version: "2", parts: { payload: u/p.bin, signature: u/m.sig } }'),
    })
    const { profile, findings } = await loadDutProfile(join(dir, 'dut.yaml'))
    // A device without an API and nothing declared to observe it: the one warning a sketch like this earns.
    expect(findings.map((f) => f.code)).toEqual(['nothing-observed'])
    expect(profile?.images).toMatchObject({
      format: 'detached',
      detached: {
        manifest: { payloadSha256: '/payload/sha256', version: '/version' },
        signature: { algorithm: 'ecdsa-p256-sha256', encoding: 'binary' },
      },
      valid: { file: join(dir, 'u/m.json'), parts: { payload: join(dir, 'u/p.bin'), signature: join(dir, 'u/m.sig') } },
    })
    expect(profile?.updateServer).toMatchObject({ partPath: '/u/{{image.name}}/{{part.name}}' })

    const missingPart = await lint(detached('{ file: u/m.json, version: "2", parts: { payload: u/p.bin } }'))
    expect(missingPart.lines.join('\n')).toMatch(
      /error: \/images\/valid\/parts: a detached image needs parts payload and signature; signature missing/,
    )
    const missingFile = await lint(detached('{ file: u/m.json, version: "2", parts: { payload: u/nothing.bin, signature: u/m.sig } }'))
    expect(missingFile.lines.join('\n')).toMatch(/\/images\/valid\/parts\/payload.*u\/nothing\.bin/)
    const noLayout = await lint(
      detached('{ file: u/m.json, version: "2", parts: { payload: u/p.bin, signature: u/m.sig } }').replace(/ {2}detached: .*\n/, ''),
    )
    expect(noLayout.lines.join('\n')).toMatch(/format detached needs images\.detached/)
  })

  it('warns that a pushed mechanism hands over only the main file of a multi-file image', async () => {
    const dir = await folder({ 'm.json': '{}', 'p.bin': 'x' })
    const text = MINIMAL.replace('ABSOLUTE', join(dir, 'm.json'))
      .replace("version: '2' }", `version: '2', parts: { payload: ${join(dir, 'p.bin')} } }`)
      .replace(
        'operations:\n',
        'mechanisms: { UpdMech-Local: { via: deliver-image } }\noperations:\n  deliver-image: { mode: raw, request: { method: POST, path: /up } }\n',
      )
    await writeFile(join(dir, 'dut.yaml'), text)
    const { profile, findings } = await loadDutProfile(join(dir, 'dut.yaml'))
    expect(profile).toBeDefined()
    expect(findings.map((f) => [f.severity, f.code])).toEqual([['warning', 'parts-not-delivered']])
  })

  it('reads JSON profiles too', async () => {
    const text = JSON.stringify({ name: 'j', adapter: { kind: 'http', baseUrl: 'http://127.0.0.2:80' }, operations: {} }, null, 2)
    const dir = await folder({ 'dut.json': text })
    const { profile, findings } = await loadDutProfile(join(dir, 'dut.json'))
    expect(findings).toEqual([])
    expect(profile?.name).toBe('j')
  })

  it('does not read the credential variables at load time', async () => {
    expect(process.env.TS701_TEST_TOKEN_NOT_SET).toBeUndefined()
    const dir = await folder({ 'dut.yaml': COMPLETE })
    expect((await loadDutProfile(join(dir, 'dut.yaml'))).profile).toBeDefined()
  })
})

describe('profile findings', () => {
  it('an unreadable file and invalid YAML are findings', async () => {
    const missing = await loadDutProfile('/nonexistent/ts701/dut.yaml')
    expect(missing.findings.map(formatFinding)).toEqual([
      expect.stringMatching(/^\/nonexistent\/ts701\/dut\.yaml:1:1: error: cannot read file: ENOENT/),
    ])
    const { lines, file } = await lint('name: [unclosed\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+: error: invalid YAML: `))
  })

  it('schema errors are one line each, at the offending node', async () => {
    const text = variant('  timeouts: { defaultMs: 3000', '  timeout: { defaultMs: 3000')
      .replace('request: { method: GET, path: /api/info }', 'request: { method: get, path: /api/info }')
      .replace('states: { installed: [installed], rejected: [rejected], pending: [installing] }', 'event: outcome')
    const { lines, file } = await lint(text)
    const at = (context: string, mark?: string) => {
      const p = positionOf(text, context, mark)
      return `${file}:${p.line}:${p.column}`
    }
    expect(lines).toEqual([
      `${at('timeout:')}: error: /adapter: unknown property "timeout" (did you mean "timeouts"? allowed: kind, baseUrl, auth, tls, lenient, timeouts)`,
      `${at('method: get', 'get')}: error: /operations/identify/request/method: expected an HTTP method in capitals (e.g. "GET"), found "get"`,
      `${at('    mode: poll', 'mode')}: error: /operations/read-outcome: missing required property "states"`,
      `${at('event: outcome')}: error: /operations/read-outcome: invalid property name "event", expected a property of poll mode (mode, request, extract, states, intervalMs, timeoutMs)`,
    ])
  })

  it('a setting of another variant is named as such (auth kinds, outcome modes)', async () => {
    const { lines } = await lint(
      variant('auth: { kind: bearer, tokenEnv: TS701_TEST_TOKEN_NOT_SET }', 'auth: { kind: bearer, passwordEnv: PW }'),
    )
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      '/adapter/auth: missing required property "tokenEnv"',
      '/adapter/auth: invalid property name "passwordEnv", expected a property of bearer authentication (kind, tokenEnv)',
    ])
  })

  it('power-off comes with power-on: a device switched off by the bench must be switched on again', async () => {
    const text = COMPLETE + 'bench:\n  power-off: { command: { argv: [uhubctl, -a, off] } }\n'
    const { lines } = await lint(text)
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual(['/bench: missing required property "power-on"'])
    const both = `${text}  power-on: { command: { argv: [uhubctl, -a, on] } }\n`
    const dir = await folder({ 'dut.yaml': both })
    const { profile, findings } = await loadDutProfile(join(dir, 'dut.yaml'))
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(Object.keys(profile?.bench ?? {})).toEqual(['power-off', 'power-on'])
  })

  it('rejects targets that are not loopback', async () => {
    const text = variant('baseUrl: http://127.0.0.1:8701', 'baseUrl: http://192.168.1.20:8701')
      .replace('host: 127.0.0.1', 'host: dut.example.com')
      .replace("to: 'http://localhost:8701/support'", "to: 'https://vendor.example/support'")
    const { lines, file } = await lint(text)
    const rule = 'ts701 only targets loopback addresses (127.0.0.0/8, ::1, localhost) or namespaces it creates'
    const p = (context: string, mark: string) => {
      const q = positionOf(text, context, mark)
      return `${file}:${q.line}:${q.column}`
    }
    expect(lines).toEqual([
      `${p('baseUrl: http://192', 'http')}: error: /adapter/baseUrl: host "192.168.1.20" is not a loopback address; ${rule}`,
      `${p('host: dut.example.com', 'dut')}: error: /updateServer/host: host "dut.example.com" is not a loopback address; ${rule}`,
      `${p("to: 'https://vendor", "'https")}: error: /publications/0/to: host "vendor.example" is not a loopback address; ${rule}`,
    ])
  })

  it.each([
    ['http://127.255.0.9:1', true],
    ['http://localhost', true],
    ['http://[::1]:80', true],
    ['http://127.1:80', true],
    ['http://[::ffff:127.0.0.1]/', true],
    ['http://128.0.0.1', false],
    ['http://localhost.vendor.example', false],
    ['http://0.0.0.0', false],
  ])('base URL %s is loopback: %s', async (url, ok) => {
    const dir = await folder({ 'dut.yaml': `name: x\nadapter: { kind: http, baseUrl: '${url}' }\noperations: {}\n` })
    const { findings } = await loadDutProfile(join(dir, 'dut.yaml'))
    expect(findings.map((f) => f.code)).toEqual(ok ? [] : ['not-loopback'])
  })

  it('checks routes, mechanisms, extractions and placeholders', async () => {
    const text = variant('afterSeen: check', 'afterSeen: chek')
      .replace("version: { regex: 'v(?<v>[0-9.]+)', group: v }", "version: { regex: 'v([0-9.]+', group: v }")
      .replace('automaticUpdates: { pointer: /auto }', 'automaticUpdates: { pointer: auto }')
      .replace('text: { pointer: /text }', "text: { regex: '(a)(b)', group: '3' }")
      .replace("path: '/api/update?sha={{image.sha256}}'", "path: '/api/update?sha={{image.sha256}}&t={{token}}'")
      .replace('path: /api/update/check', "path: '/api/update/check?v={{image.version}}'")
    const { lines, file } = await lint(text)
    const p = (context: string, mark: string) => {
      const q = positionOf(text, context, mark)
      return `${file}:${q.line}:${q.column}`
    }
    expect(lines).toEqual([
      `${p("regex: 'v([0-9.]+'", "'v(")}: error: /operations/identify/extract/version/regex: invalid regular expression: /v([0-9.]+/: Unterminated group`,
      `${p('pointer: auto', 'auto')}: error: /operations/read-settings/extract/automaticUpdates/pointer: invalid JSON pointer "auto" (expected "" or /segment/segment, with ~0 for ~ and ~1 for /)`,
      `${p("path: '/api/update?sha=", "'/api")}: error: /operations/deliver-image/request/path: unknown placeholder {{token}} (this operation fills {{image.url}}, {{image.version}}, {{image.sha256}}, {{image.size}}, {{image.name}})`,
      `${p("group: '3'", "'3'")}: error: /operations/read-notifications/extract/text/group: group 3 does not exist: the regular expression has 2 groups`,
      `${p("path: '/api/update/check", "'/api")}: error: /operations/check-now/request/path: unknown placeholder {{image.version}} (this operation fills no placeholders)`,
      `${p('afterSeen: chek', 'chek')}: error: /updateServer/routes/1/afterSeen: no route named "chek" (routes: "check", "image")`,
    ])
    expect((await loadDutProfile(file)).findings.map((f) => f.code)).toEqual([
      'bad-regex',
      'bad-pointer',
      'unknown-placeholder',
      'bad-regex',
      'unknown-placeholder',
      'unknown-route',
    ])
  })

  it('mechanisms need the update server or deliver-image they are driven through', async () => {
    const text = `name: x
adapter: { kind: http, baseUrl: 'http://127.0.0.1:1' }
operations: {}
mechanisms:
  UpdMech-Network: { via: update-server }
  UpdMech-Local: { via: deliver-image }
`
    const { lines, file } = await lint(text)
    const network = positionOf(text, 'via: update-server', 'update-server')
    const local = positionOf(text, 'via: deliver-image', 'deliver-image')
    expect(lines).toEqual([
      `${file}:${network.line}:${network.column}: error: /mechanisms/UpdMech-Network/via: mechanism UpdMech-Network is driven via the update server, but the profile declares no updateServer`,
      `${file}:${local.line}:${local.column}: error: /mechanisms/UpdMech-Local/via: mechanism UpdMech-Local is driven via deliver-image, but operations.deliver-image is not declared`,
    ])
  })

  it('points at files that do not exist, relative to the profile', async () => {
    const text = variant('older: { file: images/older.bin', 'older: { file: images/old.bin')
    const { lines, file } = await lint(text)
    const q = positionOf(text, 'file: images/old.bin', 'images')
    expect(lines).toEqual([
      `${file}:${q.line}:${q.column}: error: /images/older/file: file "images/old.bin" (resolved to ${join(file, '..', 'images/old.bin')}) does not exist`,
    ])
  })

  it("points at a vendor signer's files that do not exist", async () => {
    const text = variant(
      'older: { file: images/older.bin',
      'vendorSigner: { certFile: keys/vendor.crt, keyFile: keys/vendor.key }\n  older: { file: images/older.bin',
    )
    const { lines, file } = await lint(text)
    const cert = positionOf(text, 'certFile: keys/vendor.crt', 'keys')
    const key = positionOf(text, 'keyFile: keys/vendor.key', 'keys')
    expect(lines).toEqual([
      `${file}:${cert.line}:${cert.column}: error: /images/vendorSigner/certFile: file "keys/vendor.crt" (resolved to ${join(file, '..', 'keys/vendor.crt')}) does not exist`,
      `${file}:${key.line}:${key.column}: error: /images/vendorSigner/keyFile: file "keys/vendor.key" (resolved to ${join(file, '..', 'keys/vendor.key')}) does not exist`,
    ])
  })

  it('reports semantic problems together with schema errors', async () => {
    const text = variant('baseUrl: http://127.0.0.1:8701', 'baseUrl: http://10.1.2.3:8701').replace('timeScale: 3600', "timeScale: 'fast'")
    const { lines } = await lint(text)
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual([
      expect.stringMatching(/^\/adapter\/baseUrl: host "10\.1\.2\.3" is not a loopback address/),
      '/timeScale: expected number, found "fast"',
    ])
  })
})
