import { describe, expect, it } from 'vitest'
import { EmulatorConfigError, UpdateServerEmulator } from '../../emulator/index.ts'
import { compileConfig } from '../../emulator/routes.ts'
import { Router } from '../../emulator/router.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, HOST, makeImage, settledHits, startEmulator } from './helpers.ts'

const route = (r: Partial<EmulatorRoute> & Pick<EmulatorRoute, 'name' | 'path'>): EmulatorRoute => ({ method: 'GET', status: 200, ...r })
const json = { 'content-type': 'application/json' }

describe('request values in templates', () => {
  it('inserts body values by JSON pointer, query parameters and headers', async () => {
    const emu = await startEmulator([
      route({
        name: 'echo',
        method: 'POST',
        path: '/echo',
        headers: { 'X-Device': '{{request.header.X-Device-Id}}' },
        body: [
          'version={{request.body./device/artifact_version}}',
          'first={{request.body./items/0}}',
          'slash={{request.body./a~1b}}',
          'object={{request.body./device}}',
          'number={{request.body./n}}',
          'missing={{request.body./nope}}',
          'serial={{request.query.serial}}',
          'agent={{request.header.user-agent}}',
          'auth={{request.header.authorization}}',
        ].join('\n'),
      }),
    ])
    const body = '{"device":{"artifact_version":"1.0.0"},"items":["x","y"],"a/b":"s","n":5}'
    const res = await fetchRaw(`${emu.url}/echo?serial=SN7`, {
      method: 'POST',
      headers: { ...json, 'user-agent': 'mender/3.5', 'x-device-id': 'dev-9', authorization: 'Bearer tok-123' },
      body,
    })
    expect(res.text.split('\n')).toEqual([
      'version=1.0.0',
      'first=x',
      'slash=s',
      'object={"artifact_version":"1.0.0"}',
      'number=5',
      'missing=',
      'serial=SN7',
      'agent=mender/3.5',
      // Headers as recorded: a credential never goes back out in an answer.
      'auth=Bearer ***',
    ])
    expect(res.headers['x-device']).toBe('dev-9')
  })

  it('inserts nothing for body pointers when the body is not JSON', async () => {
    const emu = await startEmulator([route({ name: 'echo', method: 'POST', path: '/echo', body: '[{{request.body./a}}]' })])
    expect((await fetchRaw(`${emu.url}/echo`, { method: 'POST', body: 'a=1' })).text).toBe('[]')
  })
})

describe('route conditions', () => {
  it('answers 204 when the device already runs the offered version (pointer equals a template)', async () => {
    const emu = await startEmulator([
      route({
        name: 'up-to-date',
        method: 'POST',
        path: '/deployments/next',
        status: 204,
        when: 'offering',
        if: { pointer: '/artifact_version', equals: '{{offer.version}}' },
      }),
      route({
        name: 'deployment',
        method: 'POST',
        path: '/deployments/next',
        when: 'offering',
        body: '{"id":"{{offer.id}}","artifact":{"version":"{{offer.version}}"}}',
      }),
      route({ name: 'none', method: 'POST', path: '/deployments/next', status: 204 }),
    ])
    await emu.offer(await makeImage(100, 'fw.bin', '2.0.0'))
    const ask = (version: string) =>
      fetchRaw(`${emu.url}/deployments/next`, { method: 'POST', headers: json, body: JSON.stringify({ artifact_version: version }) })
    expect((await ask('2.0.0')).status).toBe(204)
    expect((await ask('1.0.0')).status).toBe(200)
    // No body, no value: the condition does not hold.
    expect((await fetchRaw(`${emu.url}/deployments/next`, { method: 'POST' })).status).toBe(200)
    expect((await settledHits(emu, 3)).map((h) => h.route)).toEqual(['up-to-date', 'deployment', 'deployment'])
  })

  it('matches regexes on the body text, a query parameter and a header; a list must hold entirely', async () => {
    const emu = await startEmulator(
      [
        route({ name: 'failed', method: 'PUT', path: '/status', if: { regex: '"status"\\s*:\\s*"failure"' }, body: 'failed' }),
        route({ name: 'beta', path: '/check', if: { query: 'channel', regex: '^beta' }, body: 'beta' }),
        route({
          name: 'acme-v2',
          path: '/check',
          if: [
            { header: 'User-Agent', regex: '^acme/' },
            { header: 'x-hw', equals: 'rev{{announceIntervalSeconds}}' },
          ],
          body: 'acme',
        }),
        route({ name: 'version-echo', path: '/v', if: { query: 'v', regex: '^{{request.query.w}}$' }, body: 'same' }),
        route({ name: 'other', method: '*', path: '/*', body: 'other' }),
      ],
      { announceInterval: 'PT2S' },
    )
    expect((await fetchRaw(`${emu.url}/status`, { method: 'PUT', body: '{"status": "failure"}' })).text).toBe('failed')
    expect((await fetchRaw(`${emu.url}/status`, { method: 'PUT', body: '{"status": "success"}' })).text).toBe('other')
    expect((await fetchRaw(`${emu.url}/check?channel=beta-2`)).text).toBe('beta')
    expect((await fetchRaw(`${emu.url}/check?channel=stable`)).text).toBe('other')
    expect((await fetchRaw(`${emu.url}/check`, { headers: { 'user-agent': 'acme/1', 'x-hw': 'rev2' } })).text).toBe('acme')
    expect((await fetchRaw(`${emu.url}/check`, { headers: { 'user-agent': 'acme/1', 'x-hw': 'rev3' } })).text).toBe('other')
    // Placeholders in a regex stand for literals: the dot is escaped.
    expect((await fetchRaw(`${emu.url}/v?v=1.0&w=1.0`)).text).toBe('same')
    expect((await fetchRaw(`${emu.url}/v?v=1x0&w=1.0`)).text).toBe('other')
  })

  it('counts a route as seen only when its conditions held', () => {
    const { routes } = compileConfig({
      imagePath: '/fw/x',
      routes: [
        route({ name: 'gated', path: '/c', if: { query: 'ok', equals: '1' } }),
        route({ name: 'after', path: '/d', afterSeen: 'gated' }),
      ],
    })
    const router = new Router(routes)
    expect(router.choose('GET', '/c', 'none', () => false)).toBeUndefined()
    expect(router.choose('GET', '/d', 'none')).toBeUndefined()
    expect(router.choose('GET', '/c', 'none', () => true)?.compiled.name).toBe('gated')
    expect(router.choose('GET', '/d', 'none')?.compiled.name).toBe('after')
  })
})

describe('methods', () => {
  it('answers any method with *, and each method of a list (HEAD through GET)', async () => {
    const emu = await startEmulator([
      route({ name: 'status', method: ['PUT', 'PATCH'], path: '/status', status: 204 }),
      route({ name: 'read', method: ['get', 'POST'], path: '/read', body: 'read' }),
      route({ name: 'any', method: '*', path: '/any', body: 'any' }),
    ])
    expect((await fetchRaw(`${emu.url}/status`, { method: 'PUT', body: '{}' })).status).toBe(204)
    expect((await fetchRaw(`${emu.url}/status`, { method: 'PATCH', body: '{}' })).status).toBe(204)
    expect((await fetchRaw(`${emu.url}/status`, { method: 'POST', body: '{}' })).status).toBe(404)
    expect((await fetchRaw(`${emu.url}/read`, { method: 'HEAD' })).status).toBe(200)
    expect((await fetchRaw(`${emu.url}/read`, { method: 'POST', body: 'x' })).text).toBe('read')
    for (const method of ['GET', 'DELETE', 'OPTIONS', 'PUT']) expect((await fetchRaw(`${emu.url}/any`, { method })).status).toBe(200)
  })
})

describe('configuration errors in conditions, methods and request placeholders', () => {
  const cases: Array<[string, Partial<EmulatorRoute>, RegExp]> = [
    ['two sources', { if: { pointer: '/a', query: 'b', equals: 'x' } }, /route "r": if: names both pointer and query/],
    ['no test', { if: { query: 'b' } }, /route "r": if: needs exactly one of equals and regex/],
    ['two tests', { if: { query: 'b', equals: 'x', regex: 'x' } }, /if: needs exactly one of equals and regex/],
    ['a bad pointer', { if: { pointer: 'a/b', equals: 'x' } }, /if: pointer "a\/b" is not a JSON pointer/],
    ['a bad regex', { if: [{ query: 'a', equals: '1' }, { regex: 'v([0-9' }] }, /route "r": if\[1\]: regex: invalid regular expression/],
    ['a bad header name', { if: { header: 'x y', equals: '1' } }, /if: "x y" is not a header name/],
    ['an unknown key', { if: { query: 'a', equal: '1' } as never }, /if: unknown key "equal"/],
    ['an empty list', { if: [] }, /if: an empty list of conditions/],
    [
      'an unknown placeholder in equals',
      { if: { query: 'a', equals: '{{offer.name}}' } },
      /if: equals: unknown placeholder \{\{offer\.name\}\}/,
    ],
    ['* in a method list', { method: ['GET', '*'] }, /method: "\*" already answers any method/],
    ['a method listed twice', { method: ['GET', 'get'] }, /method: GET is listed twice/],
    ['an empty method list', { method: [] }, /method: an empty list of methods/],
    ['a body placeholder without a pointer', { body: '{{request.body.version}}' }, /"version" is not a JSON pointer/],
    ['an unknown request part', { body: '{{request.cookie.x}}' }, /unknown placeholder \{\{request\.cookie\.x\}\}/],
    ['an unknown valid field', { body: '{{valid.md5}}' }, /unknown placeholder \{\{valid\.md5\}\} \(valid fields: sha256, size, version\)/],
  ]
  it.each(cases)('%s', async (_what, extra, message) => {
    const error = await UpdateServerEmulator.start({
      host: HOST,
      port: 0,
      imagePath: '/fw/{{image.name}}',
      routes: [route({ name: 'r', path: '/r', ...extra })],
    }).then(
      async (e) => {
        await e.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(EmulatorConfigError)
    expect((error as EmulatorConfigError).route).toBe('r')
    expect((error as Error).message).toMatch(message)
  })
})
