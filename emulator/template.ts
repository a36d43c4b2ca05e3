/**
 * `{{…}}` templates of emulator routes. Templates are parsed and checked once, when the emulator
 * starts, so an unknown placeholder is a configuration error naming its route instead of a wrong
 * answer to a device in the middle of a test.
 */

export type Segment = { text: string } | { key: string }

export interface Template {
  source: string
  segments: Segment[]
  /** The placeholders used, e.g. `image.url`, `request.query.serial`. */
  keys: string[]
}

/** Image facts a template can insert; every value already as text. */
export interface ImageValues {
  url: string
  name: string
  size: string
  sha256: string
  sha1: string
  md5: string
  version: string
}

export interface TemplateContext {
  /** Absent while nothing is offered: image placeholders then insert nothing. */
  image?: ImageValues
  pollInterval?: string
  pollIntervalSeconds?: number
  query: Record<string, string>
  params: Record<string, string>
}

export const IMAGE_FIELDS = ['url', 'name', 'size', 'sha256', 'sha1', 'md5', 'version'] as const

/** Throws a plain Error with a message; callers add which route or setting it is in. */
export function parseTemplate(source: string): Template {
  const segments: Segment[] = []
  const keys: string[] = []
  let at = 0
  while (at < source.length) {
    const open = source.indexOf('{{', at)
    if (open < 0) break
    const close = source.indexOf('}}', open + 2)
    if (close < 0) throw new Error(`unterminated placeholder at "${excerpt(source, open)}"`)
    const key = source.slice(open + 2, close).trim()
    if (!/^[^\s{}]+$/.test(key)) throw new Error(`malformed placeholder "${source.slice(open, close + 2)}"`)
    if (open > at) segments.push({ text: source.slice(at, open) })
    segments.push({ key })
    keys.push(key)
    at = close + 2
  }
  if (at < source.length) segments.push({ text: source.slice(at) })
  return { source, segments, keys }
}

export interface KeyScope {
  /** `:name` segments of the route path; `request.params.X` must be one of them. */
  params: readonly string[]
  /** Whether a poll interval is configured. */
  pollInterval: boolean
  /** Request placeholders make no sense in `imagePath`, nor `image.url` (it is built from it). */
  request: boolean
  imageUrl: boolean
}

/** Why a placeholder cannot be used here, or `undefined` when it can. */
export function checkKey(key: string, scope: KeyScope): string | undefined {
  if (key.startsWith('image.')) {
    const field = key.slice('image.'.length)
    if (!(IMAGE_FIELDS as readonly string[]).includes(field)) return `unknown placeholder {{${key}}} (image fields: ${IMAGE_FIELDS.join(', ')})`
    if (field === 'url' && !scope.imageUrl) return `{{image.url}} cannot be used here (image.url is built from imagePath)`
    return undefined
  }
  if (key === 'pollInterval' || key === 'pollIntervalSeconds') {
    return scope.pollInterval ? undefined : `{{${key}}} is used but no pollInterval is configured`
  }
  const query = /^request\.query\.(.+)$/.exec(key)
  if (query) return scope.request ? undefined : `{{${key}}} cannot be used here (there is no request)`
  const param = /^request\.params\.(.+)$/.exec(key)
  if (param) {
    if (!scope.request) return `{{${key}}} cannot be used here (there is no request)`
    if (!scope.params.includes(param[1]!)) {
      const known = scope.params.length ? scope.params.map((p) => `:${p}`).join(', ') : 'none'
      return `{{${key}}} names no :${param[1]} segment of the route path (path parameters: ${known})`
    }
    return undefined
  }
  return `unknown placeholder {{${key}}}`
}

export function render(template: Template, ctx: TemplateContext, encode: (value: string) => string = (v) => v): string {
  let out = ''
  for (const s of template.segments) out += 'text' in s ? s.text : encode(resolve(s.key, ctx))
  return out
}

function resolve(key: string, ctx: TemplateContext): string {
  if (key.startsWith('image.')) return ctx.image?.[key.slice('image.'.length) as keyof ImageValues] ?? ''
  if (key === 'pollInterval') return ctx.pollInterval ?? ''
  if (key === 'pollIntervalSeconds') return ctx.pollIntervalSeconds === undefined ? '' : String(ctx.pollIntervalSeconds)
  if (key.startsWith('request.query.')) return own(ctx.query, key.slice('request.query.'.length))
  if (key.startsWith('request.params.')) return own(ctx.params, key.slice('request.params.'.length))
  return ''
}

function own(record: Record<string, string>, name: string): string {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name]! : ''
}

function excerpt(text: string, at: number): string {
  const s = text.slice(at, at + 30)
  return at + 30 < text.length ? `${s}…` : s
}
