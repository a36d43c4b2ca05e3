/** The image under delivery, the same on every channel: its `{{image.…}}` values, and a last check. */
import { stat } from 'node:fs/promises'
import type { DutProfile } from '../../profile/types.ts'
import type { DeliverOptions, ImageSource } from '../../core/dut.ts'
import type { Vars } from './template.ts'

/** The `{{image.…}}` placeholders a delivery template may use. */
export function imageVars(profile: DutProfile, image: ImageSource, options: DeliverOptions): Vars {
  return {
    'image.url': options.imageUrl,
    'image.version': versionOf(profile, image),
    'image.sha256': image.sha256,
    'image.size': String(image.size),
    'image.name': image.name,
  }
}

/** Images offered by the suites carry their version; otherwise the profile may know the file. */
function versionOf(profile: DutProfile, image: ImageSource): string | undefined {
  const own = (image as ImageSource & { version?: unknown }).version
  if (typeof own === 'string') return own
  const images = profile.images
  return [images?.valid, images?.older, images?.baseline].find((ref) => ref?.file === image.path)?.version
}

/** A file that changed since it was prepared would make the evidence describe another image. */
export async function checkSize(image: ImageSource): Promise<void> {
  const size = (await stat(image.path)).size
  if (size !== image.size) {
    throw new Error(`image ${image.name} (${image.path}) has ${size} bytes, not the ${image.size} it was prepared with`)
  }
}
