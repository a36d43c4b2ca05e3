import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../core/evidence.ts'
import { EmulatorConfigError } from '../../emulator/index.ts'
import { Offers, type Offer } from '../../emulator/offer.ts'
import { compileConfig } from '../../emulator/routes.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, makeImage, sha256, startEmulator, tempDir } from './helpers.ts'

const job: EmulatorRoute = {
  name: 'job',
  method: 'GET',
  path: '/job',
  status: 200,
  body: '{"id":"{{offer.id}}","version":"{{offer.version}}","sha256":"{{valid.sha256}}","size":"{{valid.size}}","valid":"{{valid.version}}","file":"{{image.sha256}}","url":"{{image.url}}"}',
}
const image: EmulatorRoute = { name: 'image', method: 'GET', path: '/firmware/:name', status: 200, serve: 'image' }

async function readJob(url: string): Promise<Record<string, string>> {
  return JSON.parse((await fetchRaw(`${url}/job`)).text) as Record<string, string>
}

describe('{{offer.id}}', () => {
  it('changes with every new offer, the same image included, counting up from firstOfferId', async () => {
    const emu = await startEmulator([job], { firstOfferId: 41 })
    expect((await readJob(emu.url)).id).toBe('')
    const fw = await makeImage(100)
    await emu.offer(fw)
    const first = await readJob(emu.url)
    expect(first.id).toBe('41')
    expect(first.id).toBe((await readJob(emu.url)).id)
    await emu.offer(fw)
    expect((await readJob(emu.url)).id).toBe('42')
    emu.withdraw()
    expect((await readJob(emu.url)).id).toBe('')
    await emu.offer(await makeImage(10, 'b.bin'))
    expect((await readJob(emu.url)).id).toBe('43')
  })

  it('by default starts from the start time, so IDs of an earlier run are not reused', async () => {
    const before = Math.floor(Date.now() / 1000)
    const emu = await startEmulator([job])
    await emu.offer(await makeImage(10))
    const id = Number((await readJob(emu.url)).id)
    expect(id).toBeGreaterThanOrEqual(before)
    expect(id).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
  })

  it('is recorded with the offer in the evidence only when a template announces it', async () => {
    const dir = await tempDir()
    const fw = await makeImage(10)
    for (const [routes, withId] of [
      [[job], true],
      [[image], false],
    ] as const) {
      const evidence = new EvidenceLog(join(dir, `evidence-${withId}.jsonl`))
      const emu = await startEmulator([...routes], { evidence, firstOfferId: 7 })
      await emu.offer(fw)
      const offer = evidence.since(0).find((e) => (e.detail as { event?: string }).event === 'offer')!
      if (withId) expect(offer.detail).toMatchObject({ offerId: 7 })
      else expect(offer.detail).not.toHaveProperty('offerId')
    }
  })
})

describe('{{valid.*}}', () => {
  it("are the offered image's own values when no valid image is named", async () => {
    const emu = await startEmulator([job])
    const fw = await makeImage(1234, 'fw.bin', '2.0.0')
    await emu.offer(fw)
    expect(await readJob(emu.url)).toMatchObject({ sha256: fw.sha256, size: '1234', valid: '2.0.0', file: fw.sha256 })
  })

  it("name the genuine image's hash, size and version while a tampered one is served", async () => {
    const dir = await tempDir()
    const evidence = new EvidenceLog(join(dir, 'evidence.jsonl'))
    const emu = await startEmulator([job, image], { evidence })
    const genuine = await makeImage(2048, 'valid.bin', '2.0.0')
    const tampered = await makeImage(2050, 'payload-byte.bin', '2.0.0')
    await emu.offer(tampered, { valid: genuine })
    const announced = await readJob(emu.url)
    expect(announced).toMatchObject({ sha256: genuine.sha256, size: '2048', valid: '2.0.0', file: tampered.sha256 })
    // What is served is the tampered file.
    const served = await fetchRaw(announced.url!)
    expect(sha256(served.body)).toBe(tampered.sha256)
    const offer = evidence.since(0).find((e) => (e.detail as { event?: string }).event === 'offer')!
    expect(offer.detail).toMatchObject({ image: 'payload-byte.bin', valid: { sha256: genuine.sha256, size: 2048, version: '2.0.0' } })
  })

  it('hash the valid file when its digest is not given, and refuse a valid image without a version', async () => {
    const emu = await startEmulator([job])
    const genuine = await makeImage(300, 'valid.bin', '3.0.0')
    await emu.offer(await makeImage(10), { valid: { ...genuine, sha256: '', size: -1 } })
    expect(await readJob(emu.url)).toMatchObject({ sha256: genuine.sha256, size: '300', valid: '3.0.0' })
    await expect(emu.offer(await makeImage(10), { valid: { ...genuine, version: undefined as unknown as string } })).rejects.toBeInstanceOf(
      EmulatorConfigError,
    )
  })
})

describe('the digests taken on offer', () => {
  it('are SHA-256 alone unless a template inserts {{image.sha1}} or {{image.md5}}', async () => {
    expect(compileConfig({ routes: [job, image], imagePath: '/firmware/{{image.name}}' }).usesLegacyDigests).toBe(false)
    for (const field of ['sha1', 'md5']) {
      const routes = [{ ...job, headers: { 'X-Digest': `{{ image.${field} }}` } }, image]
      expect(compileConfig({ routes, imagePath: '/firmware/{{image.name}}' }).usesLegacyDigests, field).toBe(true)
    }
    const fw = await makeImage(3000)
    const offered: Offer[] = []
    for (const legacy of [false, true]) {
      const offers = new Offers({ offered: (o) => offered.push(o), withdrawn: () => {} }, 1, legacy)
      await offers.set(fw)
    }
    const digest = (algorithm: string) => createHash(algorithm).update(fw.bytes!).digest('hex')
    expect(offered[0]).toMatchObject({ size: 3000, fileSha256: fw.sha256 })
    expect(offered[0]).not.toHaveProperty('sha1')
    expect(offered[0]).not.toHaveProperty('md5')
    expect(offered[1]).toMatchObject({ size: 3000, fileSha256: fw.sha256, sha1: digest('sha1'), md5: digest('md5') })
  })
})
