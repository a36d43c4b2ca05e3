import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { extractPayload, type ImageManifest } from '../fixtures/image.ts'
import { extractStagedPayload } from './detached-image.ts'

export type Slot = 'a' | 'b'

/** What the boot loader reads at power-on: which slot to start and what it holds. */
export interface BootRecord {
  activeSlot: Slot
  version: string
  /** The anti-rollback counter, kept apart from the image (on a real device: fuses or RPMB). */
  counter: number
  hardwareId: string
  payloadSha256: string
  /** SHA-256 of the whole image file it came from: how the update client recognizes it on offer. */
  imageSha256: string
  installedAt: string
}

/**
 * The device's flash: two firmware slots and a boot record, as files in a folder. An update is
 * written to the inactive slot and becomes active only when the boot record is replaced, which is
 * a rename and therefore atomic: an interruption before it leaves the old firmware running.
 */
export class Flash {
  private record: BootRecord | undefined

  constructor(readonly dir: string) {}

  get boot(): BootRecord {
    if (!this.record) throw new Error('flash not programmed')
    return this.record
  }

  slotPath(slot: Slot): string {
    return join(this.dir, `slot-${slot}.bin`)
  }

  get inactiveSlot(): Slot {
    return this.boot.activeSlot === 'a' ? 'b' : 'a'
  }

  /** Factory programming: the image goes into slot A without any update logic. */
  async program(imagePath: string, manifest: ImageManifest, imageSha256: string, installedAt: string): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const payload = await extractPayload(imagePath, this.slotPath('a'))
    await rm(this.slotPath('b'), { force: true })
    await this.writeRecord({
      activeSlot: 'a',
      version: manifest.version,
      counter: manifest.versionCounter,
      hardwareId: manifest.hardwareId,
      payloadSha256: payload.sha256,
      imageSha256,
      installedAt,
    })
  }

  /** Writes an update's payload (of a ts701 image or a staged detached update) into the inactive slot; the running firmware is untouched. */
  async stage(imagePath: string): Promise<{ slot: Slot; sha256: string }> {
    const slot = this.inactiveSlot
    const { sha256 } = await extractStagedPayload(imagePath, this.slotPath(slot))
    return { slot, sha256 }
  }

  /** Makes `slot` the one the next boot starts. */
  async commit(
    slot: Slot,
    manifest: ImageManifest,
    counter: number,
    sha256: { payload: string; image: string },
    installedAt: string,
  ): Promise<void> {
    await this.writeRecord({
      activeSlot: slot,
      version: manifest.version,
      counter,
      hardwareId: manifest.hardwareId,
      payloadSha256: sha256.payload,
      imageSha256: sha256.image,
      installedAt,
    })
  }

  /** What a power-on reads; the in-memory copy is only a cache of the file. */
  async load(): Promise<BootRecord> {
    this.record = JSON.parse(await readFile(join(this.dir, 'boot.json'), 'utf8')) as BootRecord
    return this.record
  }

  private async writeRecord(record: BootRecord): Promise<void> {
    const file = join(this.dir, 'boot.json')
    await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`)
    await rename(`${file}.tmp`, file)
    this.record = record
  }
}
