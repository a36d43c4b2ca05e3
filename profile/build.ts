/**
 * Turns a schema-valid DUT profile document into the typed DutProfile: defaults filled in, file
 * paths resolved against the profile's folder so they work from the current directory.
 */
import { dirname, isAbsolute, join } from 'node:path'
import type {
  DutDocument, WrittenMqttOperations, WrittenOperations, WrittenOutcome, WrittenSerialOperations, WrittenTimeouts,
} from './document.ts'
import type {
  AdapterTimeouts, DutProfile, DutProfileCommon, MqttOperationMap, OperationMap, OutcomeConfig, SerialOperationMap,
} from './types.ts'
import type { PathSegment } from '../ixit/source.ts'
import type { SourceRef } from '../ixit/types.ts'

export const DEFAULTS = {
  timeoutMs: 5000,
  timeScale: 1,
  observationSeconds: 600,
  imagePath: '/images/{{image.name}}',
  readyTimeoutMs: 60_000,
  pollIntervalMs: 500,
  outcomeTimeoutMs: 60_000,
  mqttQos: 1,
  serial: { baudRate: 115_200, dataBits: 8, parity: 'none', stopBits: 1, lineEnding: '\r\n' },
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
    ['adapter', 'tls', 'certFile'],
    ['adapter', 'tls', 'keyFile'],
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

  const common: DutProfileCommon = {
    file,
    name: doc.name,
    timeScale: doc.timeScale ?? DEFAULTS.timeScale,
    observationSeconds: doc.observationSeconds ?? DEFAULTS.observationSeconds,
    mechanisms: { ...doc.mechanisms },
    publications: (doc.publications ?? []).map((p) => ({ ...p })),
    source,
  }

  if (doc.updateServer) {
    const { tls: serverTls, imagePath, ...server } = doc.updateServer
    common.updateServer = { ...server, imagePath: imagePath ?? DEFAULTS.imagePath }
    if (serverTls) {
      const at = (key: string): PathSegment[] => ['updateServer', 'tls', key]
      common.updateServer.tls = {
        certFile: resolve(at('certFile'), serverTls.certFile),
        keyFile: resolve(at('keyFile'), serverTls.keyFile),
        ...(serverTls.caCertFile !== undefined ? { caCertFile: resolve(at('caCertFile'), serverTls.caCertFile) } : {}),
        ...(serverTls.caKeyFile !== undefined ? { caKeyFile: resolve(at('caKeyFile'), serverTls.caKeyFile) } : {}),
      }
    }
  }

  if (doc.images) {
    const { valid, older, attacks } = doc.images
    common.images = {
      format: doc.images.format,
      valid: { ...valid, file: resolve(['images', 'valid', 'file'], valid.file) },
      ...(older ? { older: { ...older, file: resolve(['images', 'older', 'file'], older.file) } } : {}),
      attacks: (attacks ?? []).map((a, i) => ({ ...a, file: resolve(['images', 'attacks', i, 'file'], a.file), expect: a.expect ?? 'rejected' })),
    }
  }

  const tlsFiles = <T extends { caFile?: string; certFile?: string; keyFile?: string }>(tls: T): T => {
    const out = { ...tls }
    for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
      const written = tls[key]
      if (written !== undefined) out[key] = resolve(['adapter', 'tls', key], written)
    }
    return out
  }

  switch (doc.adapter.kind) {
    case 'http': {
      const { tls, lenient, timeouts: written, ...adapter } = doc.adapter
      return {
        ...common,
        adapter: { ...adapter, ...(tls ? { tls: tlsFiles(tls) } : {}), lenient: lenient ?? false, timeouts: timeouts(written) },
        operations: httpOperations(doc.operations as WrittenOperations),
      }
    }
    case 'mqtt': {
      const { tls, qos, timeouts: written, ...adapter } = doc.adapter
      return {
        ...common,
        adapter: { ...adapter, ...(tls ? { tls: tlsFiles(tls) } : {}), qos: qos ?? DEFAULTS.mqttQos, timeouts: timeouts(written) },
        operations: mqttOperations(doc.operations as WrittenMqttOperations),
      }
    }
    case 'serial': {
      const { baudRate, dataBits, parity, stopBits, lineEnding, timeouts: written, ...adapter } = doc.adapter
      return {
        ...common,
        adapter: {
          ...adapter,
          baudRate: baudRate ?? DEFAULTS.serial.baudRate,
          dataBits: dataBits ?? DEFAULTS.serial.dataBits,
          parity: parity ?? DEFAULTS.serial.parity,
          stopBits: stopBits ?? DEFAULTS.serial.stopBits,
          lineEnding: lineEnding ?? DEFAULTS.serial.lineEnding,
          timeouts: timeouts(written),
        },
        operations: serialOperations(doc.operations as WrittenSerialOperations),
      }
    }
  }
}

function timeouts(written: WrittenTimeouts | undefined): AdapterTimeouts {
  return { defaultMs: written?.defaultMs ?? DEFAULTS.timeoutMs, operations: { ...written?.operations } }
}

const ready = <T extends { readyTimeoutMs?: number }>(r: T): T & { readyTimeoutMs: number } => ({ ...r, readyTimeoutMs: r.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs })

function httpOperations(written: WrittenOperations): OperationMap {
  const { 'read-outcome': outcome, reboot, 'factory-reset': factoryReset, restore, ...rest } = written
  const ops: OperationMap = { ...rest }
  if (outcome) ops['read-outcome'] = outcomeConfig(outcome)
  if (reboot) ops.reboot = ready(reboot)
  if (factoryReset) ops['factory-reset'] = ready(factoryReset)
  if (restore) ops.restore = ready(restore)
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

function mqttOperations(written: WrittenMqttOperations): MqttOperationMap {
  const { 'read-outcome': outcome, reboot, 'factory-reset': factoryReset, restore, ...rest } = written
  const ops: MqttOperationMap = { ...rest }
  if (outcome) ops['read-outcome'] = { ...outcome, states: { pending: [], ...outcome.states }, timeoutMs: outcome.timeoutMs ?? DEFAULTS.outcomeTimeoutMs }
  if (reboot) ops.reboot = ready(reboot)
  if (factoryReset) ops['factory-reset'] = ready(factoryReset)
  if (restore) ops.restore = ready(restore)
  return ops
}

function serialOperations(written: WrittenSerialOperations): SerialOperationMap {
  const { 'read-outcome': outcome, reboot, 'factory-reset': factoryReset, restore, ...rest } = written
  const ops: SerialOperationMap = { ...rest }
  if (outcome) {
    ops['read-outcome'] = {
      ...outcome,
      states: { pending: [], ...outcome.states },
      intervalMs: outcome.intervalMs ?? DEFAULTS.pollIntervalMs,
      timeoutMs: outcome.timeoutMs ?? DEFAULTS.outcomeTimeoutMs,
    }
  }
  if (reboot) ops.reboot = ready(reboot)
  if (factoryReset) ops['factory-reset'] = ready(factoryReset)
  if (restore) ops.restore = ready(restore)
  return ops
}
