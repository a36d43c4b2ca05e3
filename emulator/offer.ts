import type { ImageSource } from '../core/dut.ts'
import { hashFile } from '../fixtures/hash.ts'
import { EmulatorConfigError } from './errors.ts'

export interface OfferedImage extends ImageSource {
  version: string
}

/** The image on offer with the facts templates insert. */
export interface Offer {
  /** `size` is the file's; `sha256` is what is announced, and may differ from the file's on purpose. */
  image: OfferedImage
  size: number
  sha1: string
  md5: string
  /** What the file holds. */
  fileSha256: string
  etag: string
}

export interface OfferEvents {
  offered(offer: Offer): void
  withdrawn(offer: Offer): void
}

/** What the update server offers: one image or none. */
export class Offers {
  private offer: Offer | undefined
  private seq = 0

  constructor(private readonly events: OfferEvents) {}

  get current(): Offer | undefined {
    return this.offer
  }

  /** Digests are computed by streaming the file. */
  async set(image: OfferedImage): Promise<void> {
    if (
      !image ||
      typeof image.name !== 'string' ||
      image.name === '' ||
      typeof image.path !== 'string' ||
      typeof image.version !== 'string'
    ) {
      throw new EmulatorConfigError('an offered image needs a name, a path and a version')
    }
    const seq = ++this.seq
    let digests
    try {
      digests = await hashFile(image.path)
    } catch (e) {
      throw new EmulatorConfigError(`cannot offer image ${image.name}: ${(e as Error).message}`)
    }
    // A later offer or withdrawal wins over this one.
    if (seq !== this.seq) return
    const announced = typeof image.sha256 === 'string' && image.sha256 !== '' ? image.sha256.toLowerCase() : digests.sha256
    this.offer = {
      image: { ...image, size: digests.size, sha256: announced },
      size: digests.size,
      sha1: digests.sha1,
      md5: digests.md5,
      fileSha256: digests.sha256,
      etag: `"ts701-${seq}-${digests.size}"`,
    }
    this.events.offered(this.offer)
  }

  withdraw(): void {
    this.seq++
    const was = this.offer
    this.offer = undefined
    if (was) this.events.withdrawn(was)
  }

  /** A copy: callers cannot change what is served. */
  offered(): OfferedImage | undefined {
    return this.offer ? { ...this.offer.image } : undefined
  }
}
