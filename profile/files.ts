/**
 * The files a DUT profile names. Relative paths are relative to the profile's folder; the loader
 * reports the missing ones and hands the adapters paths that work from the current directory.
 */
import { dirname, isAbsolute, join } from 'node:path'
import { isRecord } from '../ixit/documents.ts'
import type { PathSegment } from '../ixit/source.ts'
import { channelOf, type ChannelDescriptor } from './channel.ts'

/** A path into the document; a `*` segment stands for every item of an array, or every value of an object. */
export type FilePattern = readonly string[]

/** The files every profile may name, whatever the channel. */
export const COMMON_FILES: readonly FilePattern[] = [
  ...['certFile', 'keyFile', 'caCertFile', 'caKeyFile'].map((key) => ['updateServer', 'tls', key]),
  ['images', 'valid', 'file'],
  ['images', 'older', 'file'],
  ['images', 'baseline', 'file'],
  ['images', 'attacks', '*', 'file'],
  ...['valid', 'older', 'baseline'].map((ref) => ['images', ref, 'parts', '*']),
  ['images', 'attacks', '*', 'parts', '*'],
  ['images', 'vendorSigner', 'certFile'],
  ['images', 'vendorSigner', 'keyFile'],
]

/** Where a document names files: everywhere, and where its channel does. */
export function filePatterns(channels: readonly ChannelDescriptor[], document: unknown): FilePattern[] {
  return [...COMMON_FILES, ...(channelOf(channels, document)?.files ?? [])]
}

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

/** Every file path the patterns find in `value`, wherever it is a string (valid document or not). */
export function filesOf(profileFile: string, value: unknown, patterns: readonly FilePattern[]): ProfileFile[] {
  return patterns
    .flatMap((pattern) => slots(value, pattern, []))
    .flatMap(({ path, holder, key }) => {
      const written = holder[key]
      return typeof written === 'string' ? [{ path, written, resolved: resolvePath(profileFile, written) }] : []
    })
}

/** Replaces each file path in `value` (the loader's own copy) by its resolved form. */
export function resolveFiles(profileFile: string, value: unknown, patterns: readonly FilePattern[]): void {
  for (const { holder, key } of patterns.flatMap((pattern) => slots(value, pattern, []))) {
    const written = holder[key]
    if (typeof written === 'string') holder[key] = resolvePath(profileFile, written)
  }
}

/** The places a pattern names: the object holding the last segment, and that key. */
function slots(
  node: unknown,
  pattern: FilePattern,
  path: PathSegment[],
): Array<{ path: PathSegment[]; holder: Record<string, unknown>; key: string }> {
  const [head, ...rest] = pattern
  if (head === undefined) return []
  if (head === '*' && Array.isArray(node)) return node.flatMap((item, i) => slots(item, rest, [...path, i]))
  if (!isRecord(node)) return []
  if (head === '*') return Object.keys(node).flatMap((key) => slots(node, [key, ...rest], path))
  return rest.length === 0 ? [{ path: [...path, head], holder: node, key: head }] : slots(node[head], rest, [...path, head])
}
