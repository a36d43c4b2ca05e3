/**
 * What the images say of themselves against what the profile declares: a valid image whose own
 * version is not the declared one makes every "installed: 1.0.0 → 1.1.0" compare against the wrong
 * number. Formats that carry a version (fixtures/formats/, `facts`) are read; the rest are taken
 * as declared. The findings are warnings: the lab may know better (a version scheme the device
 * reports differently), and the run goes on.
 */
import { FORMATS } from '../fixtures/formats/index.ts'
import { finding } from '../ixit/findings.ts'
import { toPointer } from '../ixit/pointer.ts'
import type { SourceDoc } from '../ixit/source.ts'
import type { Finding } from '../ixit/types.ts'
import type { DutProfile, ImageRef } from '../profile/types.ts'

const REFS = ['valid', 'older', 'baseline'] as const

/** `locate`: the profile loader's, so the findings point into dut.yaml. */
export async function imageFactFindings(profile: DutProfile, locate: SourceDoc['locate']): Promise<Finding[]> {
  const images = profile.images
  const read = images && (await FORMATS[images.format]()).facts
  if (!images || !read) return []
  const out: Finding[] = []
  for (const key of REFS) {
    const ref: ImageRef | undefined = images[key]
    if (!ref) continue
    const path = ['images', key, 'version']
    try {
      const facts = await read(ref.file)
      if (facts.version !== undefined && facts.version !== ref.version) {
        out.push(
          finding(
            'warning',
            'image-version',
            locate(path),
            `the image itself says version "${facts.version}" (${facts.where}), the profile "${ref.version}": the verdicts compare the version the device shows with the declared one`,
            toPointer(path),
          ),
        )
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      out.push(
        finding(
          'warning',
          'image-facts',
          locate(['images', key, 'file']),
          `cannot read the version the image declares: ${why}`,
          toPointer(['images', key, 'file']),
        ),
      )
    }
  }
  return out
}
