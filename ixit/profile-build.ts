/**
 * Turns a schema-valid DUT profile document into the typed DutProfile: defaults filled in, file
 * paths resolved against the profile's folder so they work from the current directory.
 */
import { dirname, isAbsolute, join } from 'node:path'
import type { DutDocument, WrittenOutcome } from './profile-document.ts'
import type { DutProfile, OperationMap, OutcomeConfig } from './profile-types.ts'
import type { PathSegment } from './source.ts'
import type { SourceRef } from './types.ts'

export const DEFAULTS = {
  timeoutMs: 5000,
  timeScale: 1,
  observationSeconds: 600,
  imagePath: '/images/{{image.name}}',
  readyTimeoutMs: 60_000,
  pollIntervalMs: 500,
  outcomeTimeoutMs: 60_000,
} as const

/** A file the profile names, where it was written and where it is from the current directory. */
export interface ProfileFile {
  path: PathSegment[]
  written: string
  resolved: string
}

/** Relative to the profile's folder, as a path usable from the current directory. */
export function resolvePath(profileFile: string, written: string): string {
  return isAbsolute(written) ? written : join(dirname(profileFile), written)
}

/** Every file path the document names, found wherever it is a string (valid document or not). */
export function filesOf(profileFile: string, value: unknown): ProfileFile[] {
  const at = (...path: PathSegment[]): unknown =>
    path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined), value)
  const paths: PathSegment[][] = [
    ['adapter', 'tls', 'caFile'],
    ...['certFile', 'keyFile', 'caCertFile', 'caKeyFile'].map((k) => ['updateServer', 'tls', k]),
    ['images', 'valid', 'file'],
    ['images', 'older', 'file'],
  ]
  const attacks = at('images', 'attacks')
  if (Array.isArray(attacks)) attacks.forEach((_, i) => paths.push(['images', 'attacks', i, 'file']))
  return paths.flatMap((path) => {
    const written = at(...path)
    return typeof written === 'string' ? [{ path, written, resolved: resolvePath(profileFile, written) }] : []
  })
}

export function buildProfile(file: string, source: SourceRef, doc: DutDocument): DutProfile {
  const resolve = (_path: PathSegment[], written: string): string => resolvePath(file, written)

  const { tls, lenient, timeouts, ...adapter } = doc.adapter
  const profile: DutProfile = {
    file,
    name: doc.name,
    adapter: {
      ...adapter,
      ...(tls ? { tls: { ...tls, ...(tls.caFile !== undefined ? { caFile: resolve(['adapter', 'tls', 'caFile'], tls.caFile) } : {}) } } : {}),
      lenient: lenient ?? false,
      timeouts: { defaultMs: timeouts?.defaultMs ?? DEFAULTS.timeoutMs, operations: { ...timeouts?.operations } },
    },
    timeScale: doc.timeScale ?? DEFAULTS.timeScale,
    observationSeconds: doc.observationSeconds ?? DEFAULTS.observationSeconds,
    operations: operations(doc.operations),
    mechanisms: { ...doc.mechanisms },
    publications: (doc.publications ?? []).map((p) => ({ ...p })),
    source,
  }

  if (doc.updateServer) {
    const { tls: serverTls, imagePath, ...server } = doc.updateServer
    profile.updateServer = { ...server, imagePath: imagePath ?? DEFAULTS.imagePath }
    if (serverTls) {
      const at = (key: string): PathSegment[] => ['updateServer', 'tls', key]
      profile.updateServer.tls = {
        certFile: resolve(at('certFile'), serverTls.certFile),
        keyFile: resolve(at('keyFile'), serverTls.keyFile),
        ...(serverTls.caCertFile !== undefined ? { caCertFile: resolve(at('caCertFile'), serverTls.caCertFile) } : {}),
        ...(serverTls.caKeyFile !== undefined ? { caKeyFile: resolve(at('caKeyFile'), serverTls.caKeyFile) } : {}),
      }
    }
  }

  if (doc.images) {
    const { valid, older, attacks } = doc.images
    profile.images = {
      format: doc.images.format,
      valid: { ...valid, file: resolve(['images', 'valid', 'file'], valid.file) },
      ...(older ? { older: { ...older, file: resolve(['images', 'older', 'file'], older.file) } } : {}),
      attacks: (attacks ?? []).map((a, i) => ({ ...a, file: resolve(['images', 'attacks', i, 'file'], a.file), expect: a.expect ?? 'rejected' })),
    }
  }
  return profile
}

function operations(written: DutDocument['operations']): OperationMap {
  const { 'read-outcome': outcome, reboot, 'factory-reset': factoryReset, restore, ...rest } = written
  const ops: OperationMap = { ...rest }
  if (outcome) ops['read-outcome'] = outcomeConfig(outcome)
  const ready = (r: { readyTimeoutMs?: number }) => r.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs
  if (reboot) ops.reboot = { ...reboot, readyTimeoutMs: ready(reboot) }
  if (factoryReset) ops['factory-reset'] = { ...factoryReset, readyTimeoutMs: ready(factoryReset) }
  if (restore) ops.restore = { ...restore, readyTimeoutMs: ready(restore) }
  return ops
}

function outcomeConfig(o: WrittenOutcome): OutcomeConfig {
  const timeoutMs = o.timeoutMs ?? DEFAULTS.outcomeTimeoutMs
  switch (o.mode) {
    case 'poll':
      return { ...o, states: { pending: [], ...o.states }, intervalMs: o.intervalMs ?? DEFAULTS.pollIntervalMs, timeoutMs }
    case 'sse':
    case 'websocket':
      return { ...o, states: { pending: [], ...o.states }, timeoutMs }
    case 'version':
      return { ...o, timeoutMs }
  }
}
