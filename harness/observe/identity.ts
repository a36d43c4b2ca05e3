/**
 * Whose request is it? A lab's update server is rarely the device's alone: a second device on the
 * bench, a script, a browser reach the same port, and every one of them looks like the device by
 * address (loopback clients differ only by port). The profile's `observe.identity` says where the
 * device writes its own name; a request naming another is a stranger's and feeds no observation.
 * Without a declaration, the names that are obviously a device's (a `controllerId` segment, a
 * `deviceId` parameter) are still compared, so a mix of clients is at least seen and said.
 */
import type { Hit } from '../../emulator/index.ts'
import type { EmulatorRoute, ObserveIdentity, ServerIdentity } from '../../profile/types.ts'
import type { StrangerGroup } from './types.ts'

/** What a request says about its client: `controllerId=dev-2`, or undefined when it names none. */
type NameReader = (h: Hit) => { label: string; value: string } | undefined

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The `:param` segment of a pattern the path starts with (segment by segment, the rest free). */
function pathName(pattern: string, param: string): (path: string) => string | undefined {
  const want = pattern.split('/')
  const at = want.indexOf(`:${param}`)
  return (path) => {
    const got = path.split('/')
    if (at < 0 || got.length < want.length) return undefined
    for (const [i, w] of want.entries()) {
      if (w.includes('*')) break
      if (!w.startsWith(':') && w !== got[i]) return undefined
    }
    return decoded(got[at]!)
  }
}

function readerOf(way: ServerIdentity): NameReader {
  if ('query' in way) return (h) => (h.query[way.query] === undefined ? undefined : { label: way.query, value: h.query[way.query]! })
  if ('header' in way) {
    const name = way.header.toLowerCase()
    return (h) => (h.headers[name] === undefined ? undefined : { label: name, value: h.headers[name]! })
  }
  const read = pathName(way.path, way.param)
  return (h) => {
    const value = read(h.path)
    return value === undefined ? undefined : { label: way.param, value }
  }
}

export interface IdentityFilter {
  /** True for the device's own requests (and for unnamed ones when the profile takes them as its). */
  isDevice(h: Hit): boolean
  /** How the request named its client, for the record: `controllerId=dev-2`, `no device name`. */
  seen(h: Hit): string
}

export function identityFilter(identity: ObserveIdentity): IdentityFilter {
  const ways = identity.server.map((w) => ({ read: readerOf(w), equals: w.equals }))
  const first = (h: Hit) => {
    for (const w of ways) {
      const name = w.read(h)
      if (name) return { ...name, own: name.value === w.equals }
    }
    return undefined
  }
  return {
    isDevice: (h) => first(h)?.own ?? identity.unnamed === 'device',
    seen: (h) => {
      const name = first(h)
      return name ? `${name.label}=${name.value}` : 'no device name'
    },
  }
}

/** Requests grouped by method, path and the name they gave; the few first evidence IDs of each. */
export function groupStrangers(hits: readonly Hit[], seen: (h: Hit) => string): StrangerGroup[] {
  const groups = new Map<string, StrangerGroup>()
  for (const h of hits) {
    const identity = seen(h)
    const key = `${h.method} ${h.path} ${identity}`
    const g = groups.get(key) ?? { method: h.method, path: h.path, identity, count: 0, evidence: [] }
    g.count++
    if (g.evidence.length < 3) g.evidence.push(h.id)
    groups.set(key, g)
  }
  return [...groups.values()]
}

/** Names a parameter or a path segment gives a device (or a client) by, whatever the protocol. */
const OBVIOUS = /device|controller|client|serial|thing|^hw$|hardware|^mac$/i

/**
 * Without a declared identity: the device-like names the requests carry (query parameters named so,
 * `:controllerId`-like segments of the route that answered), and the values seen for each.
 * More than one value for a name means more than one client, e.g. `controllerId: dev-1 (5), dev-2 (12)`.
 */
export function obviousMix(hits: readonly Hit[], routes: readonly EmulatorRoute[]): string | undefined {
  const byRoute = new Map(routes.map((r) => [r.name, r.path]))
  const values = new Map<string, Map<string, number>>()
  const count = (name: string, value: string) => {
    const seen = values.get(name) ?? new Map<string, number>()
    seen.set(value, (seen.get(value) ?? 0) + 1)
    values.set(name, seen)
  }
  for (const h of hits) {
    for (const [name, value] of Object.entries(h.query)) if (OBVIOUS.test(name)) count(name, value)
    const pattern = h.route === undefined ? undefined : byRoute.get(h.route)
    for (const segment of pattern?.split('/') ?? []) {
      if (!segment.startsWith(':') || !OBVIOUS.test(segment.slice(1))) continue
      const value = pathName(pattern!, segment.slice(1))(h.path)
      if (value !== undefined) count(segment.slice(1), value)
    }
  }
  const mixed = [...values].filter(([, seen]) => seen.size > 1)
  if (mixed.length === 0) return undefined
  const most = (seen: Map<string, number>) => [...seen].sort((a, b) => b[1] - a[1])
  return mixed
    .map(
      ([name, seen]) =>
        `${name}: ${most(seen)
          .map(([v, n]) => `${v} (${n})`)
          .join(', ')}`,
    )
    .join('; ')
}
