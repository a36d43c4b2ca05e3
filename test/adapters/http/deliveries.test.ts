// One profile, two ways of handing the device an image over its HTTP API: the default
// deliver-image uploads it, the named delivery tells the device a URL it then fetches itself.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { HttpDelivery, OperationMap } from '../../../adapters/http/profile.ts'
import type { ImageSource } from '../../../core/dut.ts'
import { dutFor, fakeDevice, imageFile, json, profile, rejection, tempDir } from './helpers.ts'

const upload: HttpDelivery = {
  mode: 'raw',
  request: { method: 'POST', path: '/api/upload' },
  extract: { accepted: { pointer: '/ok' }, message: { pointer: '/said' } },
}
const byUrl: HttpDelivery = {
  mode: 'url',
  request: { method: 'POST', path: '/api/fetch', body: '{"url":"{{image.url}}","sha256":"{{image.sha256}}"}' },
  extract: { accepted: { pointer: '/ok' }, message: { pointer: '/said' } },
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** Serves the image where a device told its URL fetches it. */
async function imageServer(image: ImageSource): Promise<{ url: string; gets: () => string[] }> {
  const body = await readFile(image.path)
  const server = await fakeDevice((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) })
    res.end(body)
  })
  return { url: `${server.url}/images/${image.name}`, gets: () => server.requests.map((r) => `${r.method} ${r.url}`) }
}

/** A device that takes an upload at /api/upload, and a URL at /api/fetch which it downloads. */
async function device() {
  const got: Array<{ way: string; bytes: number; sha256: string }> = []
  const dev = await fakeDevice(async (req, res) => {
    if (req.url === '/api/upload') {
      got.push({ way: 'upload', bytes: req.body.length, sha256: sha256(req.body) })
      return json(res, 200, { ok: true, said: 'uploaded' })
    }
    if (req.url === '/api/fetch') {
      const { url, sha256: announced } = JSON.parse(req.body.toString()) as { url: string; sha256: string }
      const fetched = Buffer.from(await (await fetch(url)).arrayBuffer())
      got.push({ way: 'fetch', bytes: fetched.length, sha256: sha256(fetched) })
      return json(res, 200, { ok: sha256(fetched) === announced, said: `fetched ${url}` })
    }
    json(res, 404, {})
  })
  return { ...dev, got }
}

const operations: OperationMap = { 'deliver-image': upload, deliveries: { 'fetch-url': byUrl } }

describe('named deliveries over HTTP', () => {
  it('sends the default delivery as an upload and the named one as a URL the device fetches', async () => {
    const image = await imageFile(await tempDir(), 'fw-2.0', 70_000)
    const served = await imageServer(image)
    const dev = await device()
    const { dut, entries } = dutFor(profile(dev.url, operations))

    expect(await dut.deliverImage(image, { imageUrl: served.url })).toEqual({ status: 200, accepted: true, message: 'uploaded' })
    expect(served.gets()).toEqual([])
    expect(await dut.deliverImage(image, { imageUrl: served.url, delivery: 'fetch-url' })).toEqual({
      status: 200,
      accepted: true,
      message: `fetched ${served.url}`,
    })
    expect(served.gets()).toEqual([`GET /images/${image.name}`])

    expect(dev.got).toEqual([
      { way: 'upload', bytes: image.size, sha256: image.sha256 },
      { way: 'fetch', bytes: image.size, sha256: image.sha256 },
    ])
    // The URL delivery sent the URL, not the image.
    expect(dev.requests.map((r) => [r.url, r.body.length])).toEqual([
      ['/api/upload', image.size],
      ['/api/fetch', expect.any(Number)],
    ])
    expect(dev.requests[1]!.body.toString()).toBe(`{"url":"${served.url}","sha256":"${image.sha256}"}`)
    expect(
      entries()
        .filter((e) => e.channel === 'http')
        .map((e) => e.summary),
    ).toEqual([
      expect.stringMatching(/^POST \/api\/upload → 200 \(70\.0 kB in \d+ ms\)$/),
      expect.stringMatching(/^POST \/api\/fetch → 200 \(\d+ B in \d+ ms\)$/),
    ])
  })

  it('a named URL delivery needs the URL, as deliver-image in url mode does', async () => {
    const image = await imageFile(await tempDir(), 'fw-2.0', 100)
    const dev = await device()
    const { dut } = dutFor(profile(dev.url, operations))
    const err = await rejection(dut.deliverImage(image, { delivery: 'fetch-url' }))
    expect(err).toMatchObject({
      code: 'E_DUT_PROTOCOL',
      message: 'deliver-image: mode url needs the URL the image is served at, and none was given',
    })
    expect(dev.requests).toEqual([])
  })

  it('a delivery the profile lacks is not declared, naming the ones it has; nothing is sent', async () => {
    const image = await imageFile(await tempDir(), 'fw-2.0', 100)
    const dev = await device()
    const { dut } = dutFor(profile(dev.url, operations))
    expect(await rejection(dut.deliverImage(image, { delivery: 'usb-stick' }))).toMatchObject({
      code: 'E_DUT_NOT_DECLARED',
      message: 'deliver-image: delivery "usb-stick" not declared in the DUT profile (operations.deliveries has "fetch-url")',
    })
    // Only own names: an inherited property is no delivery.
    expect(await rejection(dut.deliverImage(image, { delivery: 'constructor' }))).toMatchObject({ code: 'E_DUT_NOT_DECLARED' })
    expect(dev.requests).toEqual([])
  })

  it('with only named deliveries, the default one is not declared', async () => {
    const image = await imageFile(await tempDir(), 'fw-2.0', 100)
    const dev = await device()
    const { dut } = dutFor(profile(dev.url, { deliveries: { upload } }))
    expect(dut.supports('deliver-image')).toBe(false)
    expect(await rejection(dut.deliverImage(image))).toMatchObject({
      code: 'E_DUT_NOT_DECLARED',
      message: 'deliver-image: operation deliver-image not declared in the DUT profile',
    })
    expect(await dut.deliverImage(image, { delivery: 'upload' })).toMatchObject({ accepted: true })
    expect(dev.got).toEqual([{ way: 'upload', bytes: image.size, sha256: image.sha256 }])
  })
})
