/**
 * JSON Pointers (RFC 6901), apart from the YAML reader: the adapters and observers that follow a
 * profile's pointers into a device's answers load no YAML library for them.
 */
import type { PathSegment } from './source.ts'

/** RFC 6901. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

export function toPointer(path: readonly PathSegment[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('')
}
