/**
 * The `server` source: requests the device made to the update-server emulator. Update agents
 * (Mender-, hawkBit-, AWS-IoT-Jobs-style) report their inventory and each deployment's status
 * there and nowhere else; the emulator records every request as a `Hit`, with its body.
 */
import type { Hit } from '../../emulator/index.ts'
import type { EmulatorRoute, ServerMatch } from '../../profile/types.ts'
import type { Report } from './extract.ts'
import type { Feed, FeedItem } from './feed.ts'
import { groupStrangers, obviousMix, type IdentityFilter } from './identity.ts'
import type { ClientMix } from './types.ts'

/** What the source needs of the emulator (the judges' fake server offers the same). */
export interface HitSource {
  hits(): Hit[]
  waitForHit(predicate: (h: Hit) => boolean, options: { timeoutMs: number; since?: number }): Promise<Hit | undefined>
}

/** The request as the extraction reads it: its body (text, and parsed when JSON), query and headers. */
function reportOf(h: Hit): Report {
  return { text: h.body ?? '', ...(h.bodyJson !== undefined && { json: h.bodyJson }), query: h.query, headers: h.headers }
}

const itemOf = (h: Hit): FeedItem => ({ time: h.time, evidence: h.id, what: `${h.method} ${h.path}`, report: reportOf(h) })

/** Exact, or `:name` segments and a trailing `*`, as emulator routes write paths. */
function pathPattern(path: string): RegExp {
  const star = path.endsWith('*')
  const segments = (star ? path.slice(0, -1) : path)
    .split('/')
    .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  return new RegExp(`^${segments.join('/')}${star ? '.*' : ''}$`)
}

export function hitMatcher(m: ServerMatch): (h: Hit) => boolean {
  const routes = m.routes && new Set(m.routes)
  const path = m.path === undefined ? undefined : pathPattern(m.path)
  return (h) => (!routes || routes.has(h.route ?? '')) && (m.method === undefined || h.method === m.method) && (!path || path.test(h.path))
}

export function describeMatch(m: ServerMatch): string {
  const parts = [
    ...(m.routes ? [`route${m.routes.length > 1 ? 's' : ''} ${m.routes.join(', ')}`] : []),
    ...(m.path !== undefined ? [`${m.method ?? 'any method'} ${m.path}`] : []),
  ]
  return `the update server (${parts.join('; ')})`
}

/** Today's rule for update checks: every request the emulator did not answer with the image. */
export function nonImageRequests(routes: readonly EmulatorRoute[]): (h: Hit) => boolean {
  const serves = new Set(routes.filter((r) => r.serve === 'image').map((r) => r.name))
  return (h) => !serves.has(h.route ?? '')
}

export function serverFeed(server: () => Promise<HitSource>, match: (h: Hit) => boolean, source: string): AsyncFeed {
  return async () => {
    const s = await server()
    const feed: Feed = {
      source,
      items: (since) =>
        s
          .hits()
          .filter((h) => h.time >= since && match(h))
          .map(itemOf),
      next: async (test, since, timeoutMs) => {
        const hit = await s.waitForHit((h) => match(h) && test(itemOf(h)), { since, timeoutMs })
        return hit && itemOf(hit)
      },
    }
    return feed
  }
}

/** A feed whose transport (the emulator, a broker connection) starts on first use. */
export type AsyncFeed = () => Promise<Feed>

/** Only the device's requests among those `match` takes, when the profile says how it names itself. */
export function ownRequests(match: (h: Hit) => boolean, identity: IdentityFilter | undefined): (h: Hit) => boolean {
  return identity ? (h) => match(h) && identity.isDevice(h) : match
}

/**
 * Who else used the update server in `hits` (one window): with a declared identity, every request
 * that is not the device's, whatever it asked; without one, whether the requests counted as
 * checks (`checks`) name more than one device.
 */
export function clientMix(
  hits: readonly Hit[],
  identity: IdentityFilter | undefined,
  checks: (h: Hit) => boolean,
  routes: readonly EmulatorRoute[],
): ClientMix {
  if (identity) {
    const others = hits.filter((h) => !identity.isDevice(h))
    return {
      declared: true,
      strangers: groupStrangers(others, (h) => identity.seen(h)),
      own: hits.length - others.length,
    }
  }
  const mixed = obviousMix(hits.filter(checks), routes)
  return { declared: false, strangers: [], ...(mixed !== undefined && { mixed }) }
}
