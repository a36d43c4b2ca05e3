/**
 * What the schema cannot say about `images`: a detached update needs its layout and both of its
 * parts wherever an image is named, and parts reach a device only through the update server.
 */
import { isRecord } from '../ixit/documents.ts'
import { list, type Report } from './check-kit.ts'

const DETACHED_PARTS = ['payload', 'signature'] as const
const REFS = ['valid', 'older', 'baseline'] as const

export function checkImages(data: Record<string, unknown>, report: Report, warn: Report): void {
  const images = isRecord(data.images) ? data.images : undefined
  if (!images) return
  const detached = images.format === 'detached'
  if (detached && images.detached === undefined) {
    report(
      'missing-detached-layout',
      ['images', 'format'],
      'format detached needs images.detached: where the manifest keeps the payload digest, and how it is signed',
    )
  }
  if (!detached && images.detached !== undefined) {
    warn(
      'unused-detached-layout',
      ['images', 'detached'],
      `images.detached applies to format detached only; format ${String(images.format)} ignores it`,
    )
  }
  const named: Array<[Array<string | number>, unknown]> = [
    ...REFS.filter((ref) => images[ref] !== undefined).map((ref): [Array<string | number>, unknown] => [['images', ref], images[ref]]),
    ...list(images.attacks).map((a, i): [Array<string | number>, unknown] => [['images', 'attacks', i], a]),
  ]
  let anyParts = false
  for (const [path, ref] of named) {
    const parts = isRecord(ref) && isRecord(ref.parts) ? ref.parts : undefined
    if (parts && Object.keys(parts).length > 0) anyParts = true
    if (!detached) continue
    const missing = DETACHED_PARTS.filter((p) => typeof parts?.[p] !== 'string')
    if (missing.length > 0) {
      report(
        'missing-image-part',
        [...path, 'parts'],
        `a detached image needs parts ${DETACHED_PARTS.join(' and ')}; ${missing.join(' and ')} missing`,
        'key',
      )
    }
  }
  if (!anyParts) return
  const mechanisms = isRecord(data.mechanisms) ? data.mechanisms : {}
  for (const [id, drive] of Object.entries(mechanisms)) {
    if (isRecord(drive) && drive.via === 'deliver-image') {
      warn(
        'parts-not-delivered',
        ['mechanisms', id, 'via'],
        `mechanism ${id} hands over one file (deliver-image): only the main file of a multi-file image reaches the device that way; its parts are served by the update server alone`,
      )
    }
  }
  const server = isRecord(data.updateServer) ? data.updateServer : undefined
  const served = new Set(
    list(server?.routes).flatMap((r) => (isRecord(r) && r.serve === 'image' && typeof r.part === 'string' ? [r.part] : [])),
  )
  if (detached && server) {
    for (const part of DETACHED_PARTS.filter((p) => !served.has(p))) {
      warn(
        'part-not-served',
        ['updateServer', 'routes'],
        `no route serves the ${part} part (serve: image, part: ${part}); a device that fetches it gets 404, unless a job inserts it inline ({{image.parts.${part}.base64}})`,
        'key',
      )
    }
  }
}
