/** Request templates of the profile, filled and resolved against the base URL. */
import { fillPlaceholders } from '../../profile/templates.ts'
import type { RequestTemplate } from '../../profile/types.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import type { OutgoingRequest, RequestBody } from './transport.ts'

export type Vars = Record<string, string | undefined>

export function buildRequest(base: URL, template: RequestTemplate, vars: Vars, op: Operation, body?: RequestBody): OutgoingRequest {
  const fill = (text: string, encode: (v: string) => string) =>
    fillPlaceholders(
      text,
      (name) => {
        const value = vars[name]
        return value === undefined ? undefined : encode(value)
      },
      (name) => {
        const why = name in vars ? 'has no value here' : 'is not filled by this operation'
        throw new DutError('E_DUT_PROTOCOL', op, `the request template uses {{${name}}}, which ${why}`)
      },
    )
  const path = fill(template.path, encodeURIComponent)
  const url = new URL(base.toString())
  const [pathname = '', search] = splitQuery(path)
  url.pathname = base.pathname.replace(/\/+$/, '') + pathname
  url.search = search ?? ''
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(template.headers ?? {})) headers[name.toLowerCase()] = fill(value, (v) => v)
  const request: OutgoingRequest = { method: template.method, url, headers }
  if (body) request.body = body
  else if (template.body !== undefined) request.body = { kind: 'bytes', data: Buffer.from(fill(template.body, (v) => v)) }
  return request
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf('?')
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q)]
}
