/**
 * `{{…}}` templates of emulator routes. Templates are parsed and checked once, when the emulator
 * starts, so an unknown placeholder is a configuration error naming its route instead of a wrong
 * answer to a device in the middle of a test.
 */

import type { RequestBody } from './body.ts'
import { asText, isPointer, valueAt } from './pointer.ts'

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
  /** The companion files of a multi-file image, by part name. */
  parts?: Record<string, PartValues>
}

/** What `{{image.parts.<part>.<field>}}` inserts; `base64` is empty for a part too large to inline. */
export interface PartValues {
  url: string
  size: string
  sha256: string
  base64: string
}

/** The genuine image's facts: the offered one's, unless a tampered image is offered in its place. */
export interface ValidValues {
  sha256: string
  size: string
  version: string
}

export interface TemplateContext {
  /** Absent while nothing is offered: image, valid and offer placeholders then insert nothing. */
  image?: ImageValues
  valid?: ValidValues
  /** `id` changes with every new offer (a deployment ID). */
  offer?: { id: string; version: string }
  /** In `partPath` only: the part whose URL is built. */
  part?: { name: string }
  /** The interval announced to the device (ISO-8601) and in seconds. */
  interval?: string
  intervalSeconds?: number
  query: Record<string, string>
  params: Record<string, string>
  /** As recorded: names in lower case, credential values masked. */
  headers?: Record<string, string>
  body?: RequestBody
}

export const IMAGE_FIELDS = ['url', 'name', 'size', 'sha256', 'sha1', 'md5', 'version'] as const
export const PART_FIELDS = ['url', 'size', 'sha256', 'base64'] as const
const PART_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
export const VALID_FIELDS = ['sha256', 'size', 'version'] as const
export const OFFER_FIELDS = ['id', 'version'] as const
/** The new names and the old ones (`pollInterval…`), which insert the same. */
const INTERVAL_KEYS: Record<string, 'text' | 'seconds'> = {
  announceInterval: 'text',
  announceIntervalSeconds: 'seconds',
  pollInterval: 'text',
  pollIntervalSeconds: 'seconds',
}

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
  /** Whether an announce interval is configured. */
  interval: boolean
  /** Request placeholders make no sense in `imagePath`, nor `image.url` (it is built from it). */
  request: boolean
  imageUrl: boolean
  /** `{{part.name}}`: only in `partPath`. */
  part?: boolean
}

/** Why a placeholder cannot be used here, or `undefined` when it can. */
export function checkKey(key: string, scope: KeyScope): string | undefined {
  const [head, ...rest] = key.split('.')
  const field = rest.join('.')
  if (head === 'image' && rest[0] === 'parts') return checkPartKey(key, rest.slice(1), scope)
  if (head === 'part') return key === 'part.name' && scope.part ? undefined : `{{${key}}} can only be {{part.name}}, in partPath`
  if (head === 'image' || head === 'valid' || head === 'offer') {
    const fields: readonly string[] = head === 'image' ? IMAGE_FIELDS : head === 'valid' ? VALID_FIELDS : OFFER_FIELDS
    if (!fields.includes(field)) return `unknown placeholder {{${key}}} (${head} fields: ${fields.join(', ')})`
    if (key === 'image.url' && !scope.imageUrl) return `{{image.url}} cannot be used here (image.url is built from imagePath)`
    return undefined
  }
  if (key in INTERVAL_KEYS) {
    const name = key.startsWith('poll') ? 'pollInterval' : 'announceInterval'
    return scope.interval ? undefined : `{{${key}}} is used but no ${name} is configured (updateServer.announceInterval)`
  }
  if (head !== 'request') return `unknown placeholder {{${key}}}`
  if (!scope.request) return `{{${key}}} cannot be used here (there is no request)`
  return checkRequestKey(key, scope)
}

function checkPartKey(key: string, rest: string[], scope: KeyScope): string | undefined {
  const [part, field] = rest
  const fields: readonly string[] = PART_FIELDS
  if (rest.length !== 2 || !PART_NAME.test(part!) || !fields.includes(field!)) {
    return `unknown placeholder {{${key}}} (image.parts.<part>.<field>, fields: ${PART_FIELDS.join(', ')})`
  }
  if (field === 'url' && !scope.imageUrl) return `{{${key}}} cannot be used here (part URLs are built from partPath)`
  return undefined
}

function checkRequestKey(key: string, scope: KeyScope): string | undefined {
  const m = /^request\.(query|params|header|body)\.(.+)$/.exec(key)
  if (!m)
    return `unknown placeholder {{${key}}} (request values: request.query.X, request.params.X, request.header.X, request.body./pointer)`
  const [, part, name] = m as unknown as [string, string, string]
  if (part === 'params' && !scope.params.includes(name)) {
    const known = scope.params.length ? scope.params.map((p) => `:${p}`).join(', ') : 'none'
    return `{{${key}}} names no :${name} segment of the route path (path parameters: ${known})`
  }
  if (part === 'header' && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return `{{${key}}}: "${name}" is not a header name`
  if (part === 'body' && !isPointer(name)) {
    return `{{${key}}}: "${name}" is not a JSON pointer (/segment/segment, with ~0 for ~ and ~1 for /)`
  }
  return undefined
}

export function render(template: Template, ctx: TemplateContext, encode: (value: string) => string = (v) => v): string {
  let out = ''
  for (const s of template.segments) out += 'text' in s ? s.text : encode(resolve(s.key, ctx))
  return out
}

function resolve(key: string, ctx: TemplateContext): string {
  const dot = key.indexOf('.')
  const head = dot < 0 ? key : key.slice(0, dot)
  const rest = key.slice(dot + 1)
  switch (head) {
    case 'image': {
      const part = /^parts\.([^.]+)\.([^.]+)$/.exec(rest)
      if (part) return ctx.image?.parts?.[part[1]!]?.[part[2] as keyof PartValues] ?? ''
      const value = ctx.image?.[rest as Exclude<keyof ImageValues, 'parts'>]
      return typeof value === 'string' ? value : ''
    }
    case 'part':
      return rest === 'name' ? (ctx.part?.name ?? '') : ''
    case 'valid':
      return ctx.valid?.[rest as keyof ValidValues] ?? ''
    case 'offer':
      return ctx.offer?.[rest as 'id' | 'version'] ?? ''
    case 'request':
      return requestValue(rest, ctx) ?? ''
  }
  if (INTERVAL_KEYS[key] === 'text') return ctx.interval ?? ''
  if (INTERVAL_KEYS[key] === 'seconds') return ctx.intervalSeconds === undefined ? '' : String(ctx.intervalSeconds)
  return ''
}

/** `query.X`, `params.X`, `header.X`, `body./pointer`: the request's value, `undefined` when it has none. */
export function requestValue(key: string, ctx: Pick<TemplateContext, 'query' | 'params' | 'headers' | 'body'>): string | undefined {
  const dot = key.indexOf('.')
  const name = key.slice(dot + 1)
  switch (key.slice(0, dot)) {
    case 'query':
      return own(ctx.query, name)
    case 'params':
      return own(ctx.params, name)
    case 'header':
      return own(ctx.headers ?? {}, name.toLowerCase())
    case 'body':
      return ctx.body?.json ? asText(valueAt(ctx.body.json.value, name)) : undefined
  }
  return undefined
}

function own(record: Record<string, string>, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined
}

function excerpt(text: string, at: number): string {
  const s = text.slice(at, at + 30)
  return at + 30 < text.length ? `${s}…` : s
}
