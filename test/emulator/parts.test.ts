import { describe, expect, it } from 'vitest'
import { EmulatorConfigError } from '../../emulator/index.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, makeImage, settledHits, startEmulator, type TestImage } from './helpers.ts'

/** A manifest with a payload and a detached signature beside it, as an update server hands them out. */
async function detachedImage(): Promise<TestImage & { payload: TestImage; signature: TestImage }> {
  const [manifest, payload, signature] = await Promise.all([
    makeImage(300, 'update.json'),
    makeImage(5000, 'update.payload'),
    makeImage(72, 'update.sig'),
  ])
  const part = (p: TestImage) => ({ path: p.path, size: p.size, sha256: p.sha256 })
  return { ...manifest, parts: { payload: part(payload), signature: part(signature) }, payload, signature }
}

const job: EmulatorRoute = {
  name: 'job',
  method: 'GET',
  path: '/job',
  status: 200,
  body: JSON.stringify({
    manifest: '{{image.url}}',
    payload: '{{image.parts.payload.url}}',
    payloadSha256: '{{image.parts.payload.sha256}}',
    payloadSize: '{{image.parts.payload.size}}',
    signature: '{{image.parts.signature.base64}}',
    missing: '{{image.parts.nothing.url}}',
  }),
}
const serveMain: EmulatorRoute = { name: 'manifest', method: 'GET', path: '/firmware/:name', status: 200, serve: 'image' }
const serveParts: EmulatorRoute[] = ['payload', 'signature', 'nothing'].map((part) => ({
  name: part,
  method: 'GET',
  path: `/firmware/:name/${part}`,
  status: 200,
  serve: 'image',
  part,
}))

describe('multi-file images on the update-server emulator', () => {
  it('serves each part at the URL {{image.parts.<part>.url}} names, and inserts its facts and small parts inline', async () => {
    const emu = await startEmulator([job, serveMain, ...serveParts])
    const image = await detachedImage()
    await emu.offer(image)
    const announced = JSON.parse((await fetchRaw(`${emu.url}/job`)).text) as Record<string, string>
    expect(announced.manifest).toBe(`${emu.url}/firmware/update.json`)
    expect(announced.payload).toBe(`${emu.url}/firmware/update.json/payload`)
    expect(announced.payloadSha256).toBe(image.payload.sha256)
    expect(announced.payloadSize).toBe('5000')
    expect(Buffer.from(announced.signature!, 'base64').equals(image.signature.bytes!)).toBe(true)
    expect(announced.missing).toBe('')

    const main = await fetchRaw(announced.manifest!)
    const payload = await fetchRaw(announced.payload!)
    expect(main.body.equals(image.bytes!)).toBe(true)
    expect(payload.body.equals(image.payload.bytes!)).toBe(true)
    expect(payload.headers.etag).not.toBe(main.headers.etag)
    const none = await fetchRaw(`${emu.url}/firmware/update.json/nothing`)
    expect(none.status).toBe(404)

    const hits = await settledHits(emu, 4)
    expect(hits.map((h) => [h.route, h.part, h.status])).toEqual([
      ['job', undefined, 200],
      ['manifest', undefined, 200],
      ['payload', 'payload', 200],
      ['nothing', 'nothing', 404],
    ])
  })

  it('serves a range of a part, as a device resuming its payload download asks', async () => {
    const emu = await startEmulator([serveMain, ...serveParts])
    const image = await detachedImage()
    await emu.offer(image)
    const answer = await fetchRaw(`${emu.url}/firmware/update.json/payload`, { headers: { range: 'bytes=4000-' } })
    expect(answer.status).toBe(206)
    expect(answer.body.equals(image.payload.bytes!.subarray(4000))).toBe(true)
  })

  it('builds part URLs from partPath when one is declared', async () => {
    const routes: EmulatorRoute[] = [
      { ...job, body: '{{image.parts.signature.url}}' },
      { name: 'sig', method: 'GET', path: '/signature/:id', status: 200, serve: 'image', part: 'signature' },
    ]
    const emu = await startEmulator(routes, { partPath: '/{{part.name}}/{{offer.id}}', firstOfferId: 5 })
    const image = await detachedImage()
    await emu.offer(image)
    const url = (await fetchRaw(`${emu.url}/job`)).text
    expect(url).toBe(`${emu.url}/signature/5`)
    expect((await fetchRaw(url)).body.equals(image.signature.bytes!)).toBe(true)
  })

  it('refuses, before the first request, part declarations it could not honour', async () => {
    const bad: Array<[Partial<Parameters<typeof startEmulator>[1]>, EmulatorRoute[], RegExp]> = [
      [{}, [{ ...serveMain, serve: undefined, part: 'payload' }], /part needs serve: image/],
      [{}, [{ ...serveMain, part: 'pay load' }], /is not a part name/],
      [{}, [{ ...job, body: '{{image.parts.payload.md5}}' }], /unknown placeholder \{\{image\.parts\.payload\.md5\}\}/],
      [{}, [{ ...job, body: '{{part.name}}' }], /only be \{\{part\.name\}\}, in partPath/],
      [{ partPath: '/parts/{{image.name}}' }, [job], /must contain \{\{part\.name\}\}/],
      [{ partPath: '/p/{{image.parts.payload.url}}/{{part.name}}' }, [job], /cannot be used here/],
    ]
    for (const [options, routes, message] of bad) {
      const started = startEmulator(routes, options)
      await expect(started).rejects.toBeInstanceOf(EmulatorConfigError)
      await expect(started).rejects.toThrow(message)
    }
  })

  it('leaves single-file images as they were: no parts, nothing inserted', async () => {
    const emu = await startEmulator([job, serveMain])
    const image = await makeImage(64)
    await emu.offer(image)
    const announced = JSON.parse((await fetchRaw(`${emu.url}/job`)).text) as Record<string, string>
    expect(announced.payload).toBe('')
    expect(announced.manifest).toBe(`${emu.url}/firmware/fw-2.0.bin`)
  })
})
