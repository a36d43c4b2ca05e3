import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EmulatorConfigError } from '../../emulator/errors.ts'
import { Offers, type Offer, type OfferEvents } from '../../emulator/offer.ts'
import { matchPath, methodMatches, Router, type OfferState } from '../../emulator/router.ts'
import { compileConfig } from '../../emulator/routes.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { makeImage, tempDir } from './helpers.ts'

const route = (r: Partial<EmulatorRoute> & Pick<EmulatorRoute, 'name' | 'path'>): EmulatorRoute => ({ method: 'GET', status: 200, ...r })
const routerOf = (routes: EmulatorRoute[]): Router => new Router(compileConfig({ routes, imagePath: '/fw/{{image.name}}' }).routes)
const chosen = (router: Router, method: string, path: string, offer: OfferState = 'none'): string | undefined =>
  router.choose(method, path, offer)?.compiled.name

describe('Router', () => {
  it('chooses the first matching route in declaration order, with decoded path parameters', () => {
    const router = routerOf([
      route({ name: 'exact', path: '/d/abc' }),
      route({ name: 'param', path: '/d/:id' }),
      route({ name: 'rest', path: '/d/*' }),
    ])
    expect(chosen(router, 'GET', '/d/abc')).toBe('exact')
    expect(router.choose('GET', '/d/x%20y', 'none')).toMatchObject({ compiled: { name: 'param' }, params: { id: 'x y' } })
    expect(chosen(router, 'GET', '/d/a/b')).toBe('rest')
    expect(chosen(router, 'GET', '/e')).toBeUndefined()
    expect(router.names).toEqual(['exact', 'param', 'rest'])
  })

  it('applies when: offering / idle to the offer it is given; an image only served is no offer to the checks', () => {
    const router = routerOf([
      route({ name: 'offer', path: '/c', when: 'offering' }),
      route({ name: 'idle', path: '/c', when: 'idle' }),
      route({ name: 'image', path: '/fw/:name', when: 'offering', serve: 'image' }),
    ])
    expect(chosen(router, 'GET', '/c', 'none')).toBe('idle')
    expect(chosen(router, 'GET', '/c', 'announced')).toBe('offer')
    expect(chosen(router, 'GET', '/c', 'served')).toBe('idle')
    expect(chosen(router, 'GET', '/fw/a', 'none')).toBeUndefined()
    expect(chosen(router, 'GET', '/fw/a', 'served')).toBe('image')
    expect(chosen(router, 'GET', '/fw/a', 'announced')).toBe('image')
  })

  it('counts a route as seen once it is chosen, until reset()', () => {
    const router = routerOf([
      route({ name: 'register', method: 'POST', path: '/r' }),
      route({ name: 'first', path: '/c', untilSeen: 'first' }),
      route({ name: 'registered', path: '/c', afterSeen: 'register' }),
      route({ name: 'fallback', path: '/c' }),
    ])
    expect(chosen(router, 'GET', '/c')).toBe('first')
    expect(chosen(router, 'GET', '/c')).toBe('fallback')
    expect(chosen(router, 'POST', '/r')).toBe('register')
    expect(chosen(router, 'GET', '/c')).toBe('registered')
    router.reset()
    expect(chosen(router, 'GET', '/c')).toBe('first')
  })

  it('does not count a route as seen when nothing was chosen', () => {
    const router = routerOf([route({ name: 'later', path: '/c', afterSeen: 'never' }), route({ name: 'never', path: '/n' })])
    expect(chosen(router, 'GET', '/c')).toBeUndefined()
    expect(chosen(router, 'GET', '/c')).toBeUndefined()
  })

  it('matches methods case-insensitively; * answers any, GET answers HEAD', () => {
    expect(methodMatches({ method: 'GET' }, 'get')).toBe(true)
    expect(methodMatches({ method: 'GET' }, 'HEAD')).toBe(true)
    expect(methodMatches({ method: 'POST' }, 'HEAD')).toBe(false)
    expect(methodMatches({ method: '*' }, 'DELETE')).toBe(true)
    expect(methodMatches({ method: 'PUT' }, 'POST')).toBe(false)
  })

  it('keeps a path parameter that does not decode as it was sent', () => {
    expect(matchPath({ pattern: /^\/d\/([^/]+)$/, params: ['id'] }, '/d/%E0%A4%A')).toEqual({ id: '%E0%A4%A' })
    expect(matchPath({ pattern: /^\/d\/([^/]+)$/, params: ['id'] }, '/e/x')).toBeUndefined()
  })
})

describe('Offers', () => {
  const recording = (): OfferEvents & { log: string[] } => {
    const log: string[] = []
    return {
      log,
      offered: (o: Offer) => log.push(`offered ${o.image.name} ${o.image.sha256 === o.fileSha256 ? 'as is' : 'announced differently'}`),
      withdrawn: (o: Offer) => log.push(`withdrawn ${o.image.name}`),
    }
  }

  it('computes the digests and size of the file, announcing the SHA-256 given (lower-cased)', async () => {
    const image = await makeImage(1000, 'a.bin', '1.0')
    const events = recording()
    const offers = new Offers(events)
    await offers.set({ ...image, size: 1, sha256: 'AB'.repeat(32) })
    expect(offers.current).toMatchObject({ size: 1000, fileSha256: image.sha256, image: { size: 1000, sha256: 'ab'.repeat(32) } })
    expect(offers.current!.etag).toMatch(/^"ts701-\d+-1000"$/)
    await offers.set({ ...image, sha256: '' })
    expect(offers.current!.image.sha256).toBe(image.sha256)
    expect(events.log).toEqual(['offered a.bin announced differently', 'offered a.bin as is'])
  })

  it('hands out copies of the offered image', async () => {
    const offers = new Offers(recording())
    await offers.set(await makeImage(10, 'c.bin'))
    offers.offered()!.name = 'changed'
    expect(offers.offered()!.name).toBe('c.bin')
  })

  it('lets a withdrawal during hashing win over the offer', async () => {
    const events = recording()
    const offers = new Offers(events)
    const pending = offers.set(await makeImage(2 * 1024 * 1024, 'late.bin'))
    offers.withdraw()
    await pending
    expect(offers.current).toBeUndefined()
    expect(events.log).toEqual([])
  })

  it('rejects an image without a name, path or version, or whose file is missing, leaving the offer as it was', async () => {
    const events = recording()
    const offers = new Offers(events)
    const image = await makeImage(10, 'ok.bin')
    await offers.set(image)
    const dir = await tempDir()
    for (const bad of [
      { ...image, name: '' },
      { ...image, version: undefined as unknown as string },
      { ...image, path: join(dir, 'missing') },
    ]) {
      await expect(offers.set(bad)).rejects.toBeInstanceOf(EmulatorConfigError)
    }
    expect(offers.offered()?.name).toBe('ok.bin')
    expect(events.log).toEqual(['offered ok.bin as is'])
  })
})
