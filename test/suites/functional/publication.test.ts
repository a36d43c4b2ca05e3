// Publications on the web (suites/lib/functional/publication.ts): the support period publication
// (5.3-13-2a reachable, 2b without login, 2c states the period) and the publication on software
// that cannot be updated (5.3-14-2a reachable, 2b open, 2c–2e content). The vendor's pages are served on 127.0.0.1
// and the IXIT's address is mapped to them with the profile's `publications`.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Assessment, UserInfo } from '../../../ixit/types.ts'
import { MAX_PAGE_BYTES } from '../../../adapters/web.ts'
import { judgeReachable, judgeStatesPeriod, judgeUnrestricted, publication } from '../../../suites/lib/functional/publication.ts'
import { fakeSession, referenceAssessment, runUnit, type FakeSession } from './fake-session.ts'

interface Page {
  status: number
  body?: string
  headers?: Record<string, string>
}

const IXIT_ORIGIN = 'http://127.0.0.1:8701'
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** The vendor's web site: pages by path; every request is counted. */
async function site(pages: Record<string, Page>): Promise<{ origin: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const page = pages[(req.url ?? '/').split('?')[0]!] ?? { status: 404, body: 'not found' }
    res.writeHead(page.status, { 'content-type': 'text/html', ...page.headers })
    res.end(page.body ?? '')
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

const SUPPORT = '<html><h1>Security updates for TS701-REF-1</h1><p>Security updates are provided until 31&nbsp;December 2031.</p></html>'

async function vendor(pages: Record<string, Page>): Promise<{ s: FakeSession; origin: string; requests: string[] }> {
  const { origin, requests } = await site(pages)
  const s = await fakeSession({ publications: [{ from: IXIT_ORIGIN, to: origin }] })
  return { s, origin, requests }
}

async function withUserInfo(change: (info: UserInfo) => void): Promise<Assessment> {
  const a = structuredClone(await referenceAssessment())
  change(a.ixit['2-UserInfo'][0]!)
  return a
}

const unit = (s: FakeSession, id: string, assessment?: Assessment) =>
  runUnit(s, id, { target: 'UserInfo-1', ...(assessment && { assessment }) })

describe('5.3-13-2a: the support period publication is reachable', () => {
  it('PASS: the page answers 200', async () => {
    const { s, origin } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    const r = await unit(s, '5.3-13-2a')
    expect(r).toMatchObject({ verdict: 'PASS', reason: `${origin}/support answered 200`, source: 'observed' })
    expect(r.evidence).toHaveLength(1)
  })

  it('FAIL: the page is not there', async () => {
    const { s, origin } = await vendor({})
    expect(await unit(s, '5.3-13-2a')).toMatchObject({
      verdict: 'FAIL',
      reason: `${origin}/support answered 404: the publication is not where the IXIT says`,
    })
  })

  it('INCONCLUSIVE: nothing answers at the address', async () => {
    const { origin } = await site({})
    await Promise.all(servers.splice(0).map((x) => new Promise((r) => x.close(r))))
    const s = await fakeSession({ publications: [{ from: IXIT_ORIGIN, to: origin }] })
    expect(await unit(s, '5.3-13-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(new RegExp(`^${origin}/support could not be fetched: `)),
    })
  })

  it('INCONCLUSIVE: an address off the loopback network is not contacted', async () => {
    const s = await fakeSession()
    const a = await withUserInfo((info) => {
      info.facts.supportPeriodPublication!.url = 'https://vendor.example/support'
    })
    expect(await unit(s, '5.3-13-2a', a)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^https:\/\/vendor\.example\/support is not a loopback address; ts701 contacts only loopback targets/),
    })
  })

  it('INCONCLUSIVE: the IXIT names no web address', async () => {
    const s = await fakeSession()
    const a = await withUserInfo((info) => {
      delete info.facts.supportPeriodPublication
      info.publicationOfSupportPeriod = 'Printed in the quick-start guide, page 4.'
    })
    expect(await unit(s, '5.3-13-2a', a)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'UserInfo-1 names no web address for the publication; check the described way by hand',
    })
  })

  it('the address may come from the prose, without its trailing punctuation', async () => {
    const { s, origin } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    const a = await withUserInfo((info) => {
      delete info.facts.supportPeriodPublication
      info.publicationOfSupportPeriod = `See ${IXIT_ORIGIN}/support.`
    })
    expect(await unit(s, '5.3-13-2a', a)).toMatchObject({ verdict: 'PASS', reason: `${origin}/support answered 200` })
  })

  it('PASS: a redirect within loopback leads to the page; every answer is evidence', async () => {
    const { s, origin, requests } = await vendor({
      '/support': { status: 302, headers: { location: '/support/en' } },
      '/support/en': { status: 200, body: SUPPORT },
    })
    const r = await unit(s, '5.3-13-2a')
    expect(r).toMatchObject({
      verdict: 'PASS',
      reason: `${origin}/support answered 200 after 1 redirect (${origin}/support → ${origin}/support/en)`,
    })
    expect(r.evidence).toHaveLength(2)
    expect(requests).toEqual(['/support', '/support/en'])
  })

  it('FAIL: the redirect leads to a page that is not there', async () => {
    const { s, origin } = await vendor({ '/support': { status: 302, headers: { location: '/gone' } } })
    expect(await unit(s, '5.3-13-2a')).toMatchObject({
      verdict: 'FAIL',
      reason: `${origin}/support answered 404 after 1 redirect (${origin}/support → ${origin}/gone): the publication is not where the IXIT says`,
    })
  })

  it('INCONCLUSIVE: a redirect loop, too many redirects, a redirect off loopback, or one that says nowhere', async () => {
    const loop = await vendor({
      '/support': { status: 302, headers: { location: '/a' } },
      '/a': { status: 302, headers: { location: '/support' } },
    })
    const looped = await unit(loop.s, '5.3-13-2a')
    expect(looped).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${loop.origin}/support: the redirects loop (${loop.origin}/support → ${loop.origin}/a → ${loop.origin}/support); no page was read`,
    })
    expect(looped.evidence).toHaveLength(2)

    const hops: Record<string, Page> = { '/support': { status: 302, headers: { location: '/r1' } } }
    for (let i = 1; i <= 6; i++) hops[`/r${i}`] = { status: 302, headers: { location: `/r${i + 1}` } }
    const long = await vendor(hops)
    const stopped = await unit(long.s, '5.3-13-2a')
    expect(stopped).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringContaining(': more than 5 redirects (') })
    expect(stopped.evidence).toHaveLength(6)

    const away = await vendor({ '/support': { status: 301, headers: { location: 'https://vendor.example/support' } } })
    expect(await unit(away.s, '5.3-13-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${away.origin}/support: the redirects lead off loopback (${away.origin}/support → https://vendor.example/support); ts701 does not follow them there; no page was read`,
    })
    expect(away.requests).toEqual(['/support'])

    const nowhere = await vendor({ '/support': { status: 302 } })
    expect(await unit(nowhere.s, '5.3-13-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${nowhere.origin}/support: ${nowhere.origin}/support answered 302 without saying where to; no page was read`,
    })
  })

  it('INCONCLUSIVE: an account wall or a server error hides whether the publication is there', async () => {
    for (const status of [401, 403]) {
      const { s, origin } = await vendor({ '/support': { status } })
      expect(await unit(s, '5.3-13-2a')).toMatchObject({
        verdict: 'INCONCLUSIVE',
        reason: `${origin}/support answered ${status}: it asks for an account; the publication behind it was not seen (the access unit judges the restriction)`,
      })
    }
    const login = await vendor({
      '/support': { status: 302, headers: { location: '/login' } },
      '/login': { status: 200, body: '<form><input type="password"></form>' },
    })
    expect(await unit(login.s, '5.3-13-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringContaining(`${login.origin}/support redirects to /login, a login or registration page`),
    })
    const broken = await vendor({ '/support': { status: 503 } })
    expect(await unit(broken.s, '5.3-13-2a')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${broken.origin}/support answered 503; whether the publication is there could not be judged`,
    })
  })
})

describe('5.3-13-2b: the publication needs no account', () => {
  it('PASS: read without credentials', async () => {
    const { s, origin } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({ verdict: 'PASS', reason: `${origin}/support was read without credentials` })
  })

  it('FAIL: 401 or 403', async () => {
    for (const status of [401, 403]) {
      const { s, origin } = await vendor({ '/support': { status } })
      expect(await unit(s, '5.3-13-2b')).toMatchObject({
        verdict: 'FAIL',
        reason: `${origin}/support answered ${status}: it requires an account`,
      })
    }
  })

  it('FAIL: a redirect to a login page', async () => {
    const { s, origin } = await vendor({ '/support': { status: 302, headers: { location: '/account/login?next=/support' } } })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: `${origin}/support redirects to /account/login?next=/support: it requires registration or login`,
    })
  })

  it('FAIL: a login step however the framework spells it', async () => {
    for (const location of ['/users/sign_in', '/Login.aspx?ReturnUrl=%2fsupport', '/oauth2/authorize?client_id=web']) {
      const { s } = await vendor({ '/support': { status: 302, headers: { location } } })
      expect(await unit(s, '5.3-13-2b'), location).toMatchObject({ verdict: 'FAIL' })
    }
  })

  it('PASS: a redirect to a page whose path only contains such a word (/authors/), not a login', async () => {
    const { s } = await vendor({
      '/support': { status: 302, headers: { location: '/authors/support-team.html' } },
      '/authors/support-team.html': { status: 200, body: '<p>Security updates until 2030-12-31.</p>' },
    })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({ verdict: 'PASS' })
  })

  it('FAIL: a password form instead of the publication', async () => {
    const { s, origin } = await vendor({
      '/support': { status: 200, body: '<form><input name="user"><input type="password" name="pw"></form>' },
    })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: `${origin}/support shows a password form instead of the publication`,
    })
  })

  it('INCONCLUSIVE: an answer that tells nothing about access', async () => {
    const { s, origin } = await vendor({ '/support': { status: 500 } })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${origin}/support answered 500; access could not be judged`,
    })
    const moved = await vendor({ '/support': { status: 301, headers: { location: '/support/' } } })
    expect(await unit(moved.s, '5.3-13-2b')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${moved.origin}/support answered 404 after 1 redirect (${moved.origin}/support → ${moved.origin}/support/); access could not be judged`,
    })
    const loop = await vendor({ '/support': { status: 302, headers: { location: '/support' } } })
    expect(await unit(loop.s, '5.3-13-2b')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `${loop.origin}/support: the redirects loop (${loop.origin}/support → ${loop.origin}/support); access could not be judged`,
    })
  })

  it('PASS: a redirect to the page itself is followed', async () => {
    const { s, origin } = await vendor({
      '/support': { status: 301, headers: { location: '/support/' } },
      '/support/': { status: 200, body: SUPPORT },
    })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({ verdict: 'PASS', reason: `${origin}/support was read without credentials` })
  })

  it('FAIL: a login redirect, even off loopback where it is not followed', async () => {
    const { s, origin, requests } = await vendor({
      '/support': { status: 302, headers: { location: 'https://accounts.vendor.example/login' } },
    })
    expect(await unit(s, '5.3-13-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: `${origin}/support redirects to https://accounts.vendor.example/login: it requires registration or login`,
    })
    expect(requests).toEqual(['/support'])
  })
})

describe('5.3-13-2c: the publication states the support period', () => {
  it('PASS: the end date in any of the usual forms', async () => {
    for (const written of ['31 December 2031', '2031-12-31', 'December 31, 2031', '31.12.2031', '31/12/2031', '12/31/2031']) {
      const { s } = await vendor({ '/support': { status: 200, body: `<p>Updates until <b>${written}</b></p>` } })
      expect(await unit(s, '5.3-13-2c')).toMatchObject({
        verdict: 'PASS',
        reason: `the publication states the support period ("${written}")`,
      })
    }
    const { s } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    expect(await unit(s, '5.3-13-2c')).toMatchObject({
      verdict: 'PASS',
      reason: 'the publication states the support period ("31 December 2031")',
    })
  })

  it('PASS: the year of the prose when the IXIT gives no end date', async () => {
    const { s } = await vendor({ '/support': { status: 200, body: '<p>Supported through 2031.</p>' } })
    const a = await withUserInfo((info) => {
      delete info.facts.supportEnds
    })
    expect(await unit(s, '5.3-13-2c', a)).toMatchObject({ verdict: 'PASS', reason: 'the publication states the support period ("2031")' })
  })

  it('FAIL: the page does not give the date', async () => {
    const { s } = await vendor({ '/support': { status: 200, body: '<p>Security updates are provided for a long time.</p>' } })
    expect(await unit(s, '5.3-13-2c')).toMatchObject({
      verdict: 'FAIL',
      reason: 'the publication does not state the support period (looked for 2031-12-31 / 31 December 2031)',
    })
  })

  it('INCONCLUSIVE: the IXIT gives neither a date nor a year to look for', async () => {
    const { s } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    const a = await withUserInfo((info) => {
      delete info.facts.supportEnds
      info.supportPeriod = 'Five years from the date of purchase.'
    })
    expect(await unit(s, '5.3-13-2c', a)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'UserInfo-1 states no date or year to look for; assessor review of the page',
    })
  })

  it('INCONCLUSIVE: the page could not be fetched', async () => {
    const s = await fakeSession()
    const a = await withUserInfo((info) => {
      info.facts.supportPeriodPublication!.url = 'https://vendor.example/support'
    })
    expect(await unit(s, '5.3-13-2c', a)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringContaining('is not a loopback address'),
    })
  })

  it('INCONCLUSIVE, never FAIL: no publication was served', async () => {
    const cases: Array<[Record<string, Page>, (origin: string) => string]> = [
      [{ '/support': { status: 401 } }, (o) => `${o}/support answered 401: it asks for an account`],
      [{ '/support': { status: 403 } }, (o) => `${o}/support answered 403: it asks for an account`],
      [
        { '/support': { status: 302, headers: { location: '/account/login' } }, '/account/login': { status: 200, body: '<p>Sign in</p>' } },
        (o) => `${o}/support redirects to /account/login, a login or registration page`,
      ],
      [
        { '/support': { status: 200, body: '<form><input name="user"><input type="password" name="pw"></form>' } },
        (o) => `${o}/support shows a password form instead of the publication`,
      ],
      [{ '/support': { status: 500 } }, (o) => `${o}/support answered 500`],
      [{}, (o) => `${o}/support answered 404`],
      [
        { '/support': { status: 302, headers: { location: '/support' } } },
        (o) => `${o}/support: the redirects loop (${o}/support → ${o}/support)`,
      ],
    ]
    for (const [pages, why] of cases) {
      const { s, origin } = await vendor(pages)
      const r = await unit(s, '5.3-13-2c')
      expect(r).toMatchObject({
        verdict: 'INCONCLUSIVE',
        reason: `the publication was not served (${why(origin)}); whether it states the support period could not be seen`,
      })
      expect(r.evidence?.length).toBeGreaterThan(0)
    }
  })

  it('INCONCLUSIVE: a page larger than the read limit, with the cut in the evidence', async () => {
    // The date would be found in the part read; the rest of the page was never seen either way.
    const huge = SUPPORT + `<p>${'x'.repeat(3 * 1024 * 1024)}</p>`
    const { s, origin } = await vendor({ '/support': { status: 200, body: huge } })
    const mark = s.evidence.mark()
    const r = await unit(s, '5.3-13-2c')
    expect(r).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `page larger than the limit: ${origin}/support was cut after the first ${MAX_PAGE_BYTES} bytes; whether it states the support period needs the whole page (assessor review)`,
    })
    const entries = s.evidence.since(mark)
    expect(r.evidence).toEqual(entries.map((e) => e.id))
    expect(entries[0]!.detail).toMatchObject({ truncated: true, limitBytes: MAX_PAGE_BYTES, bytes: MAX_PAGE_BYTES })
    // Reachable and open it still is: a page was served without credentials.
    expect((await unit(s, '5.3-13-2a')).verdict).toBe('PASS')
    expect((await unit(s, '5.3-13-2b')).verdict).toBe('PASS')
  })

  it('the page is fetched once for the three units', async () => {
    const { s, requests } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    for (const id of ['5.3-13-2a', '5.3-13-2b', '5.3-13-2c']) expect((await unit(s, id)).verdict).toBe('PASS')
    expect(requests).toEqual(['/support'])
  })
})

describe('5.3-14-2: the publication on software that cannot be updated', () => {
  const V2 = 'en303645-v2.1.1'
  it("PASS on a page read without credentials; the rationale and the replacement are the assessor's", async () => {
    const { s, origin, requests } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    expect(await unit(s, '5.3-14-2a')).toMatchObject({ verdict: 'PASS', reason: `${origin}/support#non-updatable answered 200` })
    expect(await unit(s, '5.3-14-2b')).toMatchObject({
      verdict: 'PASS',
      reason: `${origin}/support#non-updatable was read without credentials`,
    })
    expect(await unit(s, '5.3-14-2c')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: `assessor review: does ${origin}/support#non-updatable give the rationale for the absence of software updates?`,
    })
    expect(await unit(s, '5.3-14-2d')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^assessor review: .*period and the method of hardware replacement/),
    })
    expect(requests).toEqual(['/support']) // the fragment is not sent; one fetch for every unit
  })

  it('2e (V2.1.1 only) asks the publication for the support period; V3.1.3 has no such unit', async () => {
    const { s } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    expect(await runUnit(s, '5.3-14-2e', { target: 'UserInfo-1', standard: V2 })).toMatchObject({ verdict: 'PASS' })
    const missing = await vendor({ '/support': { status: 200, body: '<p>The boot ROM cannot be updated.</p>' } })
    expect(await runUnit(missing.s, '5.3-14-2e', { target: 'UserInfo-1', standard: V2 })).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(/^the publication does not state the support period/),
    })
    await expect(unit(s, '5.3-14-2e')).rejects.toThrow(/5\.3-14-2e/)
  })

  it('2a FAIL: not where the IXIT says; 2b FAIL: behind a login', async () => {
    const gone = await vendor({})
    expect(await unit(gone.s, '5.3-14-2a')).toMatchObject({
      verdict: 'FAIL',
      reason: `${gone.origin}/support#non-updatable answered 404: the publication is not where the IXIT says`,
    })
    const login = await vendor({ '/support': { status: 302, headers: { location: '/signin' } } })
    expect(await unit(login.s, '5.3-14-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: `${login.origin}/support#non-updatable redirects to /signin: it requires registration or login`,
    })
  })

  it('a login wall: 2b FAILs on access, 2a and the content units stay open on a page never served', async () => {
    const { s, origin } = await vendor({
      '/support': { status: 302, headers: { location: '/login?next=%2Fsupport' } },
      '/login': { status: 200, body: '<form><input type="password"></form>' },
    })
    expect(await unit(s, '5.3-14-2b')).toMatchObject({
      verdict: 'FAIL',
      reason: `${origin}/support#non-updatable redirects to /login?next=%2Fsupport: it requires registration or login`,
    })
    for (const id of ['5.3-14-2a', '5.3-14-2c', '5.3-14-2d']) {
      const r = await unit(s, id)
      expect(r.verdict, id).toBe('INCONCLUSIVE')
      expect(r.reason, id).not.toMatch(/^assessor review/)
    }
  })

  it('INCONCLUSIVE: a redirect loop is neither reachable nor restricted', async () => {
    const { s } = await vendor({ '/support': { status: 302, headers: { location: '/support' } } })
    for (const id of ['5.3-14-2a', '5.3-14-2b']) {
      expect(await unit(s, id)).toMatchObject({ verdict: 'INCONCLUSIVE', reason: expect.stringContaining('the redirects loop') })
    }
  })

  it('INCONCLUSIVE: unreachable or without an address', async () => {
    const s = await fakeSession()
    const a = await withUserInfo((info) => {
      delete info.facts.nonUpdatablePublication
      info.publicationOfNonUpdatable = 'Section 9 of the printed manual.'
    })
    for (const id of ['5.3-14-2a', '5.3-14-2b', '5.3-14-2c', '5.3-14-2d']) {
      expect(await unit(s, id, a)).toMatchObject({
        verdict: 'INCONCLUSIVE',
        reason: 'UserInfo-1 names no web address for the publication; check the described way by hand',
      })
    }
  })
})

describe('the judges on a fetched page', () => {
  it('pass a fetch problem through unchanged', async () => {
    const problem = { problem: { verdict: 'INCONCLUSIVE' as const, reason: 'unreachable' } }
    const info = (await referenceAssessment()).ixit['2-UserInfo'][0]!
    expect(judgeReachable(problem)).toBe(problem.problem)
    expect(judgeUnrestricted(problem)).toBe(problem.problem)
    expect(judgeStatesPeriod(problem, info)).toBe(problem.problem)
  })

  it('publication() memoizes per publication and entry', async () => {
    const { s, requests } = await vendor({ '/support': { status: 200, body: SUPPORT } })
    const info = (await referenceAssessment()).ixit['2-UserInfo'][0]!
    const a = await publication(s, info, 'support-period')
    expect(await publication(s, info, 'support-period')).toBe(a)
    await publication(s, info, 'non-updatable')
    expect(requests).toEqual(['/support', '/support'])
  })
})
