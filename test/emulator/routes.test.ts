import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { EmulatorConfigError, UpdateServerEmulator } from '../../emulator/index.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, HOST, makeImage, settledHits, startEmulator } from './helpers.ts'

const route = (r: Partial<EmulatorRoute> & Pick<EmulatorRoute, 'name' | 'path'>): EmulatorRoute => ({ method: 'GET', status: 200, ...r })

describe('route matching', () => {
  it('answers with the first route that matches, in declaration order', async () => {
    const emu = await startEmulator([
      route({ name: 'specific', path: '/v1/devices/abc/check', body: 'specific' }),
      route({ name: 'param', path: '/v1/devices/:id/check', body: 'param {{request.params.id}}' }),
      route({ name: 'shadowed', path: '/v1/devices/:id/check', body: 'never' }),
      route({ name: 'rest', path: '/v1/*', body: 'rest' }),
    ])
    expect((await fetchRaw(`${emu.url}/v1/devices/abc/check`)).text).toBe('specific')
    expect((await fetchRaw(`${emu.url}/v1/devices/x%20y/check?serial=1`)).text).toBe('param x y')
    expect((await fetchRaw(`${emu.url}/v1/devices/abc/check/more`)).text).toBe('rest')
    expect((await fetchRaw(`${emu.url}/v1/`)).text).toBe('rest')
    expect((await settledHits(emu, 4)).map((h) => h.route)).toEqual(['specific', 'param', 'rest', 'rest'])
  })

  it('matches the method (HEAD is answered by GET routes) and ignores the query', async () => {
    const emu = await startEmulator([
      route({ name: 'post', method: 'POST', path: '/v1/report', status: 202, body: '{"ok":true}' }),
      route({ name: 'get', path: '/v1/report', body: 'report' }),
      route({ name: 'any', method: '*', path: '/any' }),
    ])
    const posted = await fetchRaw(`${emu.url}/v1/report?x=1`, {
      method: 'POST',
      body: '{"state":"installed"}',
      headers: { 'content-type': 'application/json' },
    })
    expect(posted).toMatchObject({ status: 202, text: '{"ok":true}' })
    expect(posted.headers['content-type']).toBe('application/json')
    const got = await fetchRaw(`${emu.url}/v1/report`)
    expect(got).toMatchObject({ status: 200, text: 'report' })
    expect(got.headers['content-type']).toMatch(/^text\/plain/)
    const head = await fetchRaw(`${emu.url}/v1/report`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe('6')
    expect(head.body.length).toBe(0)
    expect((await fetchRaw(`${emu.url}/any`, { method: 'DELETE' })).status).toBe(200)
    expect((await fetchRaw(`${emu.url}/v1/report`, { method: 'PUT', body: 'x' })).status).toBe(404)
  })

  it('answers 404 with a short text when no route matches, and records it', async () => {
    const emu = await startEmulator([route({ name: 'check', path: '/v1/check' })])
    const res = await fetchRaw(`${emu.url}/v1/unknown?x=1`)
    expect(res.status).toBe(404)
    expect(res.text).toBe('no route for GET /v1/unknown\n')
    const [hit] = await settledHits(emu, 1)
    expect(hit).toMatchObject({ method: 'GET', path: '/v1/unknown', query: { x: '1' }, status: 404, completed: true })
    expect(hit!.route).toBeUndefined()
  })

  it('applies when: offering / idle to whether an image is offered', async () => {
    const emu = await startEmulator([
      route({ name: 'offer', path: '/v1/check', when: 'offering', body: '{"update":true,"version":"{{image.version}}"}' }),
      route({ name: 'idle', path: '/v1/check', when: 'idle', body: '{"update":false}' }),
    ])
    expect((await fetchRaw(`${emu.url}/v1/check`)).text).toBe('{"update":false}')
    await emu.offer(await makeImage(1000))
    expect((await fetchRaw(`${emu.url}/v1/check`)).text).toBe('{"update":true,"version":"2.0.0"}')
    emu.withdraw()
    expect(emu.offered()).toBeUndefined()
    expect((await fetchRaw(`${emu.url}/v1/check`)).text).toBe('{"update":false}')
    expect((await settledHits(emu, 3)).map((h) => h.route)).toEqual(['idle', 'offer', 'idle'])
  })

  it('supports a two-step protocol: "no update" until /v1/register has been seen', async () => {
    const emu = await startEmulator([
      route({ name: 'register', method: 'POST', path: '/v1/register', body: '{"registered":true}' }),
      route({ name: 'unregistered', path: '/v1/check', untilSeen: 'register', body: '{"update":false,"reason":"register first"}' }),
      route({ name: 'offer', path: '/v1/check', afterSeen: 'register', when: 'offering', body: '{"update":true,"url":"{{image.url}}"}' }),
      route({ name: 'no-update', path: '/v1/check', body: '{"update":false}' }),
      route({ name: 'image', path: '/firmware/:name', serve: 'image' }),
    ])
    const image = await makeImage(4096)
    await emu.offer(image)
    const check = async (): Promise<string> => (await fetchRaw(`${emu.url}/v1/check`)).text

    expect(await check()).toBe('{"update":false,"reason":"register first"}')
    expect(await check()).toBe('{"update":false,"reason":"register first"}')
    await fetchRaw(`${emu.url}/v1/register`, { method: 'POST', body: '{}' })
    const offer = JSON.parse(await check()) as { update: boolean; url: string }
    expect(offer).toEqual({ update: true, url: `${emu.url}/firmware/fw-2.0.bin` })
    expect((await fetchRaw(offer.url)).body.equals(image.bytes!)).toBe(true)
    emu.withdraw()
    expect(await check()).toBe('{"update":false}')

    // resetState forgets what was seen, not the hit log.
    emu.resetState()
    expect(await check()).toBe('{"update":false,"reason":"register first"}')
    expect((await settledHits(emu, 7)).map((h) => h.route)).toEqual([
      'unregistered',
      'unregistered',
      'register',
      'offer',
      'image',
      'no-update',
      'unregistered',
    ])
  })

  it('untilSeen naming the route itself answers exactly once', async () => {
    const emu = await startEmulator([
      route({ name: 'once', path: '/v1/check', untilSeen: 'once', body: 'first' }),
      route({ name: 'later', path: '/v1/check', body: 'later' }),
    ])
    expect((await fetchRaw(`${emu.url}/v1/check`)).text).toBe('first')
    expect((await fetchRaw(`${emu.url}/v1/check`)).text).toBe('later')
  })

  it('sends the declared status and headers', async () => {
    const emu = await startEmulator(
      [
        route({
          name: 'redirect',
          path: '/v1/check',
          status: 302,
          headers: { Location: '{{image.url}}', 'X-Poll-After': '{{pollIntervalSeconds}}', 'Cache-Control': 'no-store' },
        }),
        route({ name: 'empty', path: '/v1/none', status: 204, body: '' }),
      ],
      { pollInterval: 'PT6H' },
    )
    await emu.offer(await makeImage(10, 'a b.bin'))
    const res = await fetchRaw(`${emu.url}/v1/check`)
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`${emu.url}/firmware/a%20b.bin`)
    expect(res.headers['x-poll-after']).toBe('21600')
    expect(res.headers['cache-control']).toBe('no-store')
    expect((await fetchRaw(`${emu.url}/v1/none`)).status).toBe(204)
  })
})

describe('templates', () => {
  it('fills in every placeholder; digests agree with node:crypto', async () => {
    const image = await makeImage(300_000, 'fw 2.0+beta.bin', '2.0.0-beta')
    const emu = await startEmulator(
      [
        route({
          name: 'manifest',
          method: 'POST',
          path: '/v2/:device/manifest',
          body: [
            'url={{image.url}}',
            'name={{image.name}}',
            'size={{image.size}}',
            'sha256={{image.sha256}}',
            'sha1={{image.sha1}}',
            'md5={{ image.md5 }}',
            'version={{image.version}}',
            'poll={{pollInterval}}',
            'pollSeconds={{pollIntervalSeconds}}',
            'serial={{request.query.serial}}',
            'missing={{request.query.nope}}',
            'device={{request.params.device}}',
          ].join('\n'),
        }),
        route({ name: 'image', path: '/firmware/:name', serve: 'image' }),
      ],
      { pollInterval: 'P1D', imagePath: '/firmware/{{image.name}}' },
    )
    await emu.offer(image)

    const bytes = await readFile(image.path)
    const digest = (alg: string): string => createHash(alg).update(bytes).digest('hex')
    const res = await fetchRaw(`${emu.url}/v2/dev-7/manifest?serial=SN%2042`, { method: 'POST', body: '{}' })
    const fields = Object.fromEntries(res.text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    expect(fields).toEqual({
      url: `${emu.url}/firmware/fw%202.0%2Bbeta.bin`,
      name: 'fw 2.0+beta.bin',
      size: '300000',
      sha256: digest('sha256'),
      sha1: digest('sha1'),
      md5: digest('md5'),
      version: '2.0.0-beta',
      poll: 'P1D',
      pollSeconds: '86400',
      serial: 'SN 42',
      missing: '',
      device: 'dev-7',
    })
    // The announced URL is where the image is served.
    const served = await fetchRaw(fields.url!)
    expect(served.status).toBe(200)
    expect(createHash('sha256').update(served.body).digest('hex')).toBe(digest('sha256'))
  })

  it('inserts values raw: the template author writes the JSON quotes', async () => {
    const emu = await startEmulator([route({ name: 'echo', path: '/echo', body: '{"v":"{{request.query.v}}","n":{{request.query.n}}}' })])
    expect((await fetchRaw(`${emu.url}/echo?v=a"b&n=5`)).text).toBe('{"v":"a"b","n":5}')
  })

  it('leaves image placeholders empty while nothing is offered', async () => {
    const emu = await startEmulator([route({ name: 'check', path: '/c', body: '[{{image.version}}|{{image.url}}]' })])
    expect((await fetchRaw(`${emu.url}/c`)).text).toBe('[|]')
  })
})

describe('configuration errors are raised at start, naming the route', () => {
  const base = { host: HOST, port: 0, imagePath: '/firmware/{{image.name}}' }
  const cases: Array<[string, Partial<Parameters<typeof UpdateServerEmulator.start>[0]>, RegExp]> = [
    [
      'unknown placeholder in a body',
      { routes: [route({ name: 'check', path: '/c', body: '{"h":"{{image.checksum}}"}' })] },
      /route "check": body: unknown placeholder \{\{image\.checksum\}\}/,
    ],
    [
      'unknown placeholder in a header',
      { routes: [route({ name: 'check', path: '/c', headers: { 'X-V': '{{version}}' } })] },
      /route "check": header X-V: unknown placeholder \{\{version\}\}/,
    ],
    [
      'a path parameter the path lacks',
      { routes: [route({ name: 'dev', path: '/d/:id', body: '{{request.params.serial}}' })] },
      /route "dev": .*no :serial segment/,
    ],
    [
      'pollInterval used but not configured',
      { routes: [route({ name: 'check', path: '/c', body: '{{pollIntervalSeconds}}' })] },
      /route "check": .*no pollInterval is configured/,
    ],
    [
      'an unterminated placeholder',
      { routes: [route({ name: 'check', path: '/c', body: '{"u":"{{image.url"}' })] },
      /route "check": body: unterminated placeholder/,
    ],
    [
      'afterSeen naming no route',
      { routes: [route({ name: 'check', path: '/c', afterSeen: 'regsiter' })] },
      /route "check": afterSeen names no declared route: "regsiter"/,
    ],
    [
      'untilSeen naming no route',
      { routes: [route({ name: 'check', path: '/c', untilSeen: 'x' })] },
      /route "check": untilSeen names no declared route/,
    ],
    [
      'a duplicate route name',
      { routes: [route({ name: 'check', path: '/a' }), route({ name: 'check', path: '/b' })] },
      /route "check" is declared twice/,
    ],
    ['a wildcard in the middle', { routes: [route({ name: 'w', path: '/a/*/b' })] }, /route "w": .*only allowed at the end/],
    [
      'a path without a leading slash',
      { routes: [route({ name: 'p', path: 'v1/check' })] },
      /route "p": path "v1\/check" must start with "\/"/,
    ],
    ['an invalid status', { routes: [route({ name: 's', path: '/s', status: 42 })] }, /route "s": status 42/],
    [
      'body and serve together',
      { routes: [route({ name: 'b', path: '/b', body: 'x', serve: 'image' })] },
      /route "b": declares both a body and serve: image/,
    ],
    ['an invalid when', { routes: [route({ name: 'w', path: '/w', when: 'always' as 'idle' })] }, /route "w": when must be/],
    ['an invalid poll interval', { routes: [], pollInterval: '6 hours' }, /pollInterval "6 hours" is not an ISO-8601 duration/],
    ['a request placeholder in imagePath', { routes: [], imagePath: '/fw/{{request.query.x}}' }, /imagePath: .*cannot be used here/],
  ]
  it.each(cases)('%s', async (_what, options, message) => {
    const error = await UpdateServerEmulator.start({ ...base, routes: [], ...options }).then(
      async (e) => {
        await e.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(EmulatorConfigError)
    expect((error as EmulatorConfigError).code).toBe('E_EMULATOR_CONFIG')
    expect((error as Error).message).toMatch(message)
  })
})
