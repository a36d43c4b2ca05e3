import type { CompiledRoute } from './routes.ts'

export interface RouteMatch {
  compiled: CompiledRoute
  /** The `:name` segments of the path, decoded. */
  params: Record<string, string>
}

export type Accepts = (compiled: CompiledRoute, params: Record<string, string>) => boolean

/**
 * What the server does with an image: `announced` (the update checks tell of it and it is served),
 * `served` (only downloadable, by a URL handed to the device some other way), or `none`.
 */
export type OfferState = 'announced' | 'served' | 'none'

/**
 * Picks the route that answers a request: the first, in declaration order, whose method, path and
 * conditions match. Remembers which routes have answered for `afterSeen` / `untilSeen`.
 */
export class Router {
  private readonly seen = new Set<string>()

  constructor(private readonly routes: readonly CompiledRoute[]) {}

  get names(): string[] {
    return this.routes.map((r) => r.name)
  }

  /**
   * The answering route, from then on counted as seen (so `untilSeen: <itself>` answers once).
   * `accepts` tests the route's conditions on the request, once everything else matched.
   */
  choose(method: string, path: string, offer: OfferState, accepts: Accepts = () => true): RouteMatch | undefined {
    for (const compiled of this.routes) {
      const r = compiled.route
      if (!methodMatches(compiled, method)) continue
      const params = matchPath(compiled, path)
      if (!params) continue
      // An image served but not announced is still served: only the checks answer as idle.
      const offering = offer === 'announced' || (offer === 'served' && r.serve === 'image')
      if (r.when === 'offering' && !offering) continue
      if (r.when === 'idle' && offering) continue
      if (r.afterSeen !== undefined && !this.seen.has(r.afterSeen)) continue
      if (r.untilSeen !== undefined && this.seen.has(r.untilSeen)) continue
      if (compiled.conditions.length > 0 && !accepts(compiled, params)) continue
      this.seen.add(compiled.name)
      return { compiled, params }
    }
    return undefined
  }

  /** Forgets which routes have answered. */
  reset(): void {
    this.seen.clear()
  }
}

/** The path parameters (decoded) when the path matches, else `undefined`. */
export function matchPath(route: Pick<CompiledRoute, 'pattern' | 'params'>, path: string): Record<string, string> | undefined {
  const m = route.pattern.exec(path)
  if (!m) return undefined
  const params: Record<string, string> = {}
  route.params.forEach((p, i) => {
    const raw = m[i + 1]!
    try {
      params[p] = decodeURIComponent(raw)
    } catch {
      params[p] = raw
    }
  })
  return params
}

/** `*` answers any method; GET routes answer HEAD too. */
export function methodMatches(route: { method: string | readonly string[] }, method: string): boolean {
  if (route.method === '*') return true
  const m = method.toUpperCase()
  const methods = typeof route.method === 'string' ? [route.method] : route.method
  return methods.includes(m) || (m === 'HEAD' && methods.includes('GET'))
}
