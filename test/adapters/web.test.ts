// adapters/web.ts: how a publication is fetched. Redirects are followed a bounded number of times
// and only within loopback; every answer is an evidence entry; a body over the read limit is cut
// and the cut is written into its entry.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../core/evidence.ts'
import { fetchPage, MAX_PAGE_BYTES, MAX_REDIRECTS, WebFetchError } from '../../adapters/web.ts'

interface Page {
  status: number
  body?: string | Buffer
  headers?: Record<string, string>
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function site(pages: Record<string, Page>): Promise<{ origin: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const page = pages[req.url ?? '/'] ?? { status: 404, body: 'not found' }
    res.writeHead(page.status, { 'content-type': 'text/html', ...page.headers })
    res.end(page.body ?? '')
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

const to = (location: string): Page => ({ status: 302, headers: { location } })

describe('fetchPage', () => {
  it('reads a page in one answer, one evidence entry', async () => {
    const { origin } = await site({ '/p': { status: 200, body: '<p>hello</p>' } })
    const log = new EvidenceLog()
    const mark = log.mark()
    const page = await fetchPage(`${origin}/p`, log)
    expect(page).toMatchObject({ status: 200, finalUrl: `${origin}/p`, text: '<p>hello</p>', truncated: false, bytes: 12 })
    expect(page.stopped).toBeUndefined()
    expect(page.hops).toHaveLength(1)
    const entries = log.since(mark)
    expect(entries.map((e) => e.id)).toEqual(page.evidence)
    expect(entries[0]!.detail).not.toHaveProperty('truncated')
  })

  it('follows redirects within loopback, also to another port, and records every hop', async () => {
    const other = await site({ '/final': { status: 200, body: 'the page' } })
    const { origin, requests } = await site({ '/a': to('/b'), '/b': to(`${other.origin}/final`) })
    const log = new EvidenceLog()
    const page = await fetchPage(`${origin}/a`, log)
    expect(page).toMatchObject({ status: 200, text: 'the page', finalUrl: `${other.origin}/final` })
    expect(page.hops.map((h) => [h.url, h.status])).toEqual([
      [`${origin}/a`, 302],
      [`${origin}/b`, 302],
      [`${other.origin}/final`, 200],
    ])
    expect(requests).toEqual(['/a', '/b'])
    expect(other.requests).toEqual(['/final'])
    const entries = log.since(0)
    expect(entries.map((e) => e.id)).toEqual(page.evidence)
    expect(entries.map((e) => e.summary)).toEqual(['GET /a → 302 (to /b)', `GET /b → 302 (to ${other.origin}/final)`, 'GET /final → 200'])
  })

  it(`follows at most ${MAX_REDIRECTS} redirects`, async () => {
    const chain = (n: number): Record<string, Page> =>
      Object.fromEntries([...Array.from({ length: n }, (_, i) => [`/r${i}`, to(`/r${i + 1}`)]), [`/r${n}`, { status: 200, body: 'end' }]])
    const five = await site(chain(MAX_REDIRECTS))
    expect(await fetchPage(`${five.origin}/r0`, new EvidenceLog())).toMatchObject({ status: 200, text: 'end' })

    const six = await site(chain(MAX_REDIRECTS + 1))
    const log = new EvidenceLog()
    const page = await fetchPage(`${six.origin}/r0`, log)
    expect(page.status).toBe(302)
    expect(page.stopped).toMatchObject({ code: 'too-many', reason: expect.stringMatching(/^more than 5 redirects \(.*\/r0 → .*\/r6\)$/) })
    expect(page.hops).toHaveLength(MAX_REDIRECTS + 1)
    expect(log.since(0)).toHaveLength(MAX_REDIRECTS + 1)
    expect(six.requests).not.toContain('/r6')
  })

  it('stops at a loop, naming the chain', async () => {
    const { origin, requests } = await site({ '/a': to('/b'), '/b': to('/a') })
    const page = await fetchPage(`${origin}/a`, new EvidenceLog())
    expect(page.stopped).toEqual({ code: 'loop', reason: `the redirects loop (${origin}/a → ${origin}/b → ${origin}/a)` })
    expect(requests).toEqual(['/a', '/b'])
    expect(page.evidence).toHaveLength(2)
  })

  it('does not follow a redirect off loopback', async () => {
    const { origin, requests } = await site({ '/a': to('https://vendor.example/support') })
    const page = await fetchPage(`${origin}/a`, new EvidenceLog())
    expect(page).toMatchObject({ status: 302, location: 'https://vendor.example/support' })
    expect(page.stopped).toEqual({
      code: 'off-loopback',
      reason: `the redirects lead off loopback (${origin}/a → https://vendor.example/support); ts701 does not follow them there`,
    })
    expect(requests).toEqual(['/a'])
  })

  it('stops at a redirect that says nowhere', async () => {
    const { origin } = await site({ '/a': { status: 302 } })
    const page = await fetchPage(`${origin}/a`, new EvidenceLog())
    expect(page.stopped).toEqual({ code: 'no-location', reason: `${origin}/a answered 302 without saying where to` })
  })

  it('cuts a body at the read limit and records the cut', async () => {
    const big = Buffer.alloc(MAX_PAGE_BYTES + 1024 * 1024, 'a')
    const { origin } = await site({ '/big': { status: 200, body: big } })
    const log = new EvidenceLog()
    const page = await fetchPage(`${origin}/big`, log)
    expect(page).toMatchObject({ status: 200, truncated: true, bytes: MAX_PAGE_BYTES })
    expect(page.text).toHaveLength(MAX_PAGE_BYTES)
    const [entry] = log.since(0)
    expect(entry!.summary).toBe(`GET /big → 200 (cut at ${MAX_PAGE_BYTES} bytes)`)
    expect(entry!.detail).toMatchObject({ bytes: MAX_PAGE_BYTES, truncated: true, limitBytes: MAX_PAGE_BYTES })

    const exact = await site({ '/fits': { status: 200, body: Buffer.alloc(1000, 'b') } })
    expect(await fetchPage(`${exact.origin}/fits`, new EvidenceLog(), { maxBytes: 1000 })).toMatchObject({ truncated: false, bytes: 1000 })
    expect(await fetchPage(`${exact.origin}/fits`, new EvidenceLog(), { maxBytes: 999 })).toMatchObject({ truncated: true, bytes: 999 })
  })

  it('refuses a first address off loopback and reports an unreachable hop with the chain', async () => {
    await expect(fetchPage('http://vendor.example/x', new EvidenceLog())).rejects.toMatchObject({ code: 'E_WEB_NOT_LOOPBACK' })
    const dead = await site({})
    const deadOrigin = dead.origin
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
    const { origin } = await site({ '/a': to(`${deadOrigin}/gone`) })
    const log = new EvidenceLog()
    const err = await fetchPage(`${origin}/a`, log).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WebFetchError)
    expect(err).toMatchObject({
      code: 'E_WEB_UNREACHABLE',
      message: expect.stringMatching(new RegExp(`^${deadOrigin}/gone could not be fetched \\(after ${origin}/a\\): `)),
    })
    expect(log.since(0).map((e) => e.summary)).toEqual([`GET /a → 302 (to ${deadOrigin}/gone)`, 'GET /gone failed'])
  })
})
