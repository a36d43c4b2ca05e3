// One console profile, two ways of handing the device an image: the default deliver-image streams
// the file over the console as base64 lines, the named delivery types a URL the device then
// downloads over HTTP itself. The fake console sits on a real pseudo-terminal.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { SerialOperationMap } from '../../../adapters/serial/profile.ts'
import type { ImageSource } from '../../../core/dut.ts'
import { fakeDevice } from '../http/helpers.ts'
import { deviceOnPty, dutFor, imageFile, profile, rejection, tempDir } from './helpers.ts'

const operations: SerialOperationMap = {
  'deliver-image': {
    mode: 'base64-lines',
    begin: { send: 'upload begin {{image.size}} {{image.sha256}}', expect: '^READY' },
    lineBytes: 512,
    end: { send: 'upload end', expect: String.raw`^upload (?<accepted>ok|failed): (?<message>.*)$` },
  },
  deliveries: {
    'console-url': {
      mode: 'url',
      exchange: { send: 'update fetch {{image.url}} {{image.sha256}}', expect: String.raw`^fetch (?<accepted>ok|failed): (?<message>.*)$` },
    },
  },
}

/** Serves the image where the device is told to fetch it. */
async function imageServer(image: ImageSource): Promise<{ url: string; gets: () => string[] }> {
  const body = await readFile(image.path)
  const server = await fakeDevice((_req, res) => {
    res.writeHead(200, { 'content-length': String(body.length) })
    res.end(body)
  })
  return { url: `${server.url}/images/${image.name}`, gets: () => server.requests.map((r) => `${r.method} ${r.url}`) }
}

/** `update fetch <url> <sha256>`: the device downloads the URL itself and says what it got. */
async function fetchCommand(args: string): Promise<string> {
  const [url, announced] = args.split(' ')
  const bytes = Buffer.from(await (await fetch(url!)).arrayBuffer())
  const sha = createHash('sha256').update(bytes).digest('hex')
  return sha === announced ? `fetch ok: ${bytes.length} bytes from ${url}` : `fetch failed: sha256 ${sha}`
}

describe('named deliveries over the console', () => {
  it('streams the default delivery as base64 lines and types the named one as a URL the device fetches', async () => {
    const image = await imageFile(await tempDir(), 'fw-2.0', 40_000)
    const served = await imageServer(image)
    const { device, pair } = await deviceOnPty({ commands: { 'update fetch': fetchCommand } })
    const { dut, entries } = dutFor(profile(pair.a, operations))

    expect(await dut.deliverImage(image, { imageUrl: served.url })).toEqual({
      accepted: true,
      message: `${image.size} bytes, sha256 ${image.sha256}`,
    })
    expect(device.received).toEqual([expect.objectContaining({ mode: 'base64-lines', bytes: image.size, sha256: image.sha256 })])
    expect(served.gets()).toEqual([])

    expect(await dut.deliverImage(image, { imageUrl: served.url, delivery: 'console-url' })).toEqual({
      accepted: true,
      message: `${image.size} bytes from ${served.url}`,
    })
    expect(served.gets()).toEqual([`GET /images/${image.name}`])
    // Nothing more came over the console but the command (the fake counts the transfer as part of its begin).
    expect(device.received).toHaveLength(1)
    expect(device.commands).toEqual([`upload begin ${image.size} ${image.sha256}`, `update fetch ${served.url} ${image.sha256}`])
    expect(entries().some((e) => e.detail?.event === 'transfer')).toBe(true)
  })

  it('a delivery the profile lacks is not declared, and nothing is typed', async () => {
    const image = await imageFile(await tempDir(), 'fw-2.0', 100)
    const { device, pair } = await deviceOnPty()
    const { dut } = dutFor(profile(pair.a, operations))
    expect(await rejection(dut.deliverImage(image, { delivery: 'xmodem' }))).toMatchObject({
      code: 'E_DUT_NOT_DECLARED',
      message: 'deliver-image: delivery "xmodem" not declared in the DUT profile (operations.deliveries has "console-url")',
    })
    expect(device.commands).toEqual([])
  })
})
