/**
 * The HTTP channel's part of the DUT profile: a device with an HTTP API. Its adapter settings and
 * operation map (types here, schema in profile-schema.json), their checks, secrets and adapter.
 */
import type { SettingChange } from '../../core/dut.ts'
import type { ChannelDescriptor } from '../../profile/channel.ts'
import { checkExtraction, checkLoopbackUrl, checkPlaceholders, walk, type Report } from '../../profile/check-kit.ts'
import { isRecord } from '../../ixit/documents.ts'
import type { PathSegment } from '../../ixit/source.ts'
import { IMAGE_PLACEHOLDERS } from '../../profile/templates.ts'
import type { AdapterTimeouts, DutProfileCommon, Extract, OutcomeStates } from '../../profile/types.ts'
import type { ReceiptTable } from '../kit/receipt.ts'
import schema from './profile-schema.json' with { type: 'json' }

export interface HttpDutProfile extends DutProfileCommon {
  adapter: HttpAdapterConfig
  operations: OperationMap
}

export interface HttpAdapterConfig {
  kind: 'http'
  /** e.g. `http://127.0.0.1:8701`. Only loopback hosts are accepted. */
  baseUrl: string
  auth?:
    | { kind: 'basic'; username: string; passwordEnv: string }
    | { kind: 'bearer'; tokenEnv: string }
    | { kind: 'header'; name: string; valueEnv: string }
  tls?: { caFile?: string; serverName?: string; insecureSkipVerify?: boolean }
  /** Tolerate sloppy embedded servers: malformed headers, wrong Content-Length, early replies. */
  lenient: boolean
  timeouts: AdapterTimeouts
}

export interface RequestTemplate {
  method: string
  /** Path (and query) relative to the base URL; `{{…}}` placeholders allowed. */
  path: string
  headers?: Record<string, string>
  /** Body template; `{{image.url}}`, `{{image.version}}`, `{{image.sha256}}`, `{{image.size}}`. */
  body?: string
}

export interface OperationMap {
  identify?: { request: RequestTemplate; extract: { model: Extract; version: Extract } }
  'read-settings'?: { request: RequestTemplate; extract: { automaticUpdates?: Extract; notifications?: Extract } }
  'change-settings'?: Partial<Record<SettingChange, RequestTemplate>>
  'deliver-image'?: HttpDelivery
  /** Named deliveries beside `deliver-image`, for mechanisms that name one (`mechanisms.<id>.delivery`). */
  deliveries?: Record<string, HttpDelivery>
  'read-outcome'?: OutcomeConfig
  'read-notifications'?: { request: RequestTemplate; extract: { items: Extract; text: Extract; kind?: Extract; time?: Extract } }
  'check-now'?: { request: RequestTemplate }
  reboot?: { request: RequestTemplate; readyTimeoutMs: number }
  'factory-reset'?: { request: RequestTemplate; readyTimeoutMs: number }
  restore?: { request: RequestTemplate; readyTimeoutMs: number }
}

/** One way of handing the device an image over its API. */
export interface HttpDelivery {
  /** `raw`: the image is the body; `multipart`: a form field; `url`: the device is told where to fetch it. */
  mode: 'raw' | 'multipart' | 'url'
  request: RequestTemplate
  field?: string
  extract?: { accepted?: Extract; message?: Extract }
  /** Which values of `extract.accepted` mean yes and no; without it, the shared verdict words. */
  receipt?: ReceiptTable
}

type OutcomeExtract = { state: Extract; version?: Extract; detail?: Extract }

export type OutcomeConfig =
  | { mode: 'poll'; request: RequestTemplate; extract: OutcomeExtract; states: OutcomeStates; intervalMs: number; timeoutMs: number }
  | { mode: 'sse'; request: RequestTemplate; event?: string; extract: OutcomeExtract; states: OutcomeStates; timeoutMs: number }
  | { mode: 'websocket'; path: string; extract: OutcomeExtract; states: OutcomeStates; timeoutMs: number }
  /** No outcome API: wait, then compare the version `identify` reports (after the device restarts). */
  | { mode: 'version'; settleMs: number; timeoutMs: number }

export const http: ChannelDescriptor<HttpDutProfile> = {
  kind: 'http',
  schema,
  files: [['adapter', 'tls', 'caFile']],
  check: checkHttp,
  secretEnv: ({ auth }) => [auth?.kind === 'basic' ? auth.passwordEnv : auth?.kind === 'bearer' ? auth.tokenEnv : auth?.valueEnv],
  // Loaded when a run drives a device this way, not when a profile is loaded or linted.
  create: async (profile, options) => (await import('./index.ts')).createHttpDut(profile, options),
}

/** A loopback base URL; extractions that can work; placeholders only where deliver-image fills them. */
function checkHttp(adapter: Record<string, unknown>, operations: Record<string, unknown>, report: Report): void {
  if (typeof adapter.baseUrl === 'string') checkLoopbackUrl(report, ['adapter', 'baseUrl'], adapter.baseUrl)

  // Header names are the supplier's; a header called `pointer` is no extraction.
  walk(
    operations,
    ['operations'],
    (node, path) => {
      checkExtraction(node, path, report)
      if (typeof node.method === 'string' && typeof node.path === 'string') {
        const allowed: readonly string[] = path[1] === 'deliver-image' || path[1] === 'deliveries' ? IMAGE_PLACEHOLDERS : []
        const texts: Array<[PathSegment[], string]> = [[[...path, 'path'], node.path]]
        if (typeof node.body === 'string') texts.push([[...path, 'body'], node.body])
        if (isRecord(node.headers)) {
          for (const [name, value] of Object.entries(node.headers))
            if (typeof value === 'string') texts.push([[...path, 'headers', name], value])
        }
        for (const [at, text] of texts) checkPlaceholders(report, at, text, allowed)
      }
    },
    ['headers'],
  )
}
