/** Request templates of the profile, filled and resolved against the base URL. */
import type { RequestTemplate } from './profile.ts'
import type { Operation } from '../../core/dut.ts'
import { fill, uriComponent, type Vars } from '../kit/template.ts'
import type { OutgoingRequest, RequestBody } from './transport.ts'

export function buildRequest(base: URL, template: RequestTemplate, vars: Vars, op: Operation, body?: RequestBody): OutgoingRequest {
  const what = { op, what: 'the request template' }
  const path = fill(template.path, vars, { ...what, escape: uriComponent })
  const url = new URL(base.toString())
  const [pathname = '', search] = splitQuery(path)
  url.pathname = base.pathname.replace(/\/+$/, '') + pathname
  url.search = search ?? ''
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(template.headers ?? {})) headers[name.toLowerCase()] = fill(value, vars, what)
  const request: OutgoingRequest = { method: template.method, url, headers }
  if (body) request.body = body
  else if (template.body !== undefined) request.body = { kind: 'bytes', data: Buffer.from(fill(template.body, vars, what)) }
  return request
}

function splitQuery(path: string): [string, string | undefined] {
  const q = path.indexOf('?')
  return q < 0 ? [path, undefined] : [path.slice(0, q), path.slice(q)]
}
