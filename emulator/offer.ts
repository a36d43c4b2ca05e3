import { readFile } from 'node:fs/promises'
import type { ImageSource } from '../core/dut.ts'
import { hashFile, hashRange } from '../fixtures/hash.ts'
import { EmulatorConfigError } from './errors.ts'

export interface OfferedImage extends ImageSource {
  version: string
}

export interface OfferOptions {
  /**
   * The genuine image, when a tampered one is offered in its place: `{{valid.*}}` insert its
   * facts, so a job can name the genuine hash while the server serves the tampered file. Its
   * `sha256` and `size` are taken as given when they look right, else its file is hashed.
   */
  valid?: OfferedImage
  /**
   * Whether the update checks tell of the image (default true). False serves it for download
   * only: a device handed its URL some other way (a job, a command) is not also offered it by its
   * update server, so a second update mechanism of the device does not take it meanwhile.
   */
  announce?: boolean
}

/** The genuine image's facts (`{{valid.*}}`). */
export interface ValidFacts {
  sha256: string
  size: number
  version: string
}

/** The image on offer with the facts templates insert. */
export interface Offer {
  /** Changes with every new offer: the deployment ID a device reports its progress under. */
  id: number
  /** The update checks tell of it (routes `when: offering` answer); else it is only served. */
  announced: boolean
  /** The genuine image's facts when `OfferOptions.valid` named one; otherwise the file on offer is the genuine one. */
  valid?: ValidFacts
  /** `size` is the file's; `sha256` is what is announced, and may differ from the file's on purpose. */
  image: OfferedImage
  size: number
  /** Only when a template inserts them (`{{image.sha1}}`, `{{image.md5}}`): hashing a large image twice more costs seconds. */
  sha1?: string
  md5?: string
  /** What the file holds. */
  fileSha256: string
  etag: string
  /** The companion files of a multi-file image, by part name; empty for a single file. */
  parts: Record<string, OfferedPart>
}

/** One companion file as offered: hashed at offer time like the main file. */
export interface OfferedPart {
  path: string
  size: number
  sha256: string
  etag: string
  /** The file's bytes as base64, for parts small enough to inline in a job (a detached signature). */
  base64?: string
}

/** Parts up to this size can be inserted inline (`{{image.parts.<part>.base64}}`). */
export const INLINE_PART_LIMIT = 64 * 1024

export interface OfferEvents {
  offered(offer: Offer): void
  withdrawn(offer: Offer): void
}

/** What the update server offers: one image or none. */
export class Offers {
  private offer: Offer | undefined
  private seq = 0
  private nextId: number

  /**
   * `firstId`: the first offer's ID; later ones count up from it. `legacyDigests`: whether SHA-1
   * and MD5 of the image are wanted (some template inserts one), beside the SHA-256 always taken.
   */
  constructor(
    private readonly events: OfferEvents,
    firstId = 1,
    private readonly legacyDigests = true,
  ) {
    this.nextId = firstId
  }

  get current(): Offer | undefined {
    return this.offer
  }

  /** Digests are computed by streaming the file. */
  async set(image: OfferedImage, options: OfferOptions = {}): Promise<void> {
    if (
      !image ||
      typeof image.name !== 'string' ||
      image.name === '' ||
      typeof image.path !== 'string' ||
      typeof image.version !== 'string'
    ) {
      throw new EmulatorConfigError('an offered image needs a name, a path and a version')
    }
    const valid = options.valid
    if (valid !== undefined && (typeof valid !== 'object' || valid === null || typeof valid.version !== 'string')) {
      throw new EmulatorConfigError(`the valid image beside ${image.name} needs a version`)
    }
    const seq = ++this.seq
    const [digests, validFacts, parts] = await Promise.all([
      hashOf(image, this.legacyDigests),
      valid && factsOf(valid),
      partsOf(image, seq),
    ])
    // A later offer or withdrawal wins over this one.
    if (seq !== this.seq) return
    const announced = typeof image.sha256 === 'string' && image.sha256 !== '' ? image.sha256.toLowerCase() : digests.sha256
    this.offer = {
      id: this.nextId++,
      announced: options.announce ?? true,
      ...(validFacts && { valid: validFacts }),
      image: { ...image, size: digests.size, sha256: announced },
      size: digests.size,
      ...('sha1' in digests && { sha1: digests.sha1, md5: digests.md5 }),
      fileSha256: digests.sha256,
      etag: `"ts701-${seq}-${digests.size}"`,
      parts,
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

/** Size and SHA-256 of the file, with SHA-1 and MD5 when `legacy`; each file is read once. */
async function hashOf(
  image: ImageSource,
  legacy = false,
): Promise<{ sha256: string; size: number } | Awaited<ReturnType<typeof hashFile>>> {
  try {
    return await (legacy ? hashFile(image.path) : hashRange(image.path))
  } catch (e) {
    throw new EmulatorConfigError(`cannot offer image ${image.name}: ${(e as Error).message}`)
  }
}

async function partsOf(image: ImageSource, seq: number): Promise<Record<string, OfferedPart>> {
  const entries = await Promise.all(
    Object.entries(image.parts ?? {}).map(async ([name, part]): Promise<[string, OfferedPart]> => {
      const digests = await hashOf({ name: `${image.name} part ${name}`, ...part })
      const base64 = digests.size <= INLINE_PART_LIMIT ? await inline(part.path, image.name, name) : undefined
      const etag = `"ts701-${seq}-${name}-${digests.size}"`
      return [name, { path: part.path, size: digests.size, sha256: digests.sha256, etag, ...(base64 !== undefined && { base64 }) }]
    }),
  )
  return Object.fromEntries(entries)
}

async function inline(path: string, image: string, part: string): Promise<string> {
  try {
    return (await readFile(path)).toString('base64')
  } catch (e) {
    throw new EmulatorConfigError(`cannot offer part ${part} of image ${image}: ${(e as Error).message}`)
  }
}

/** Size and digest as the caller knows them (the session hashed the valid image once), else from the file. */
async function factsOf(valid: OfferedImage): Promise<ValidFacts> {
  const known =
    typeof valid.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(valid.sha256) && Number.isSafeInteger(valid.size) && valid.size >= 0
  if (known) return { sha256: valid.sha256.toLowerCase(), size: valid.size, version: valid.version }
  const digests = await hashOf(valid)
  return { sha256: digests.sha256, size: digests.size, version: valid.version }
}
