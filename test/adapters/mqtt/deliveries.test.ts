// One MQTT profile, two ways of handing the device an image through a real broker: the default
// deliver-image sends the image itself in chunks, the named delivery publishes a URL the device
// then downloads over HTTP itself.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { MqttOperationMap } from '../../../adapters/mqtt/profile.ts'
import type { ImageSource } from '../../../core/dut.ts'
import { fakeDevice as fakeHttp, imageFile, rejection, tempDir } from '../http/helpers.ts'
import { BROKERS, broker, dutFor, fakeDevice, messages, namespace, profile } from './helpers.ts'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

function operations(ns: string): MqttOperationMap {
  const reply = { topic: `${ns}/update/ack`, match: { pointer: '/id', equals: '{{requestId}}' } }
  const extract = { accepted: { pointer: '/ok' }, message: { pointer: '/said' } }
  return {
    'deliver-image': {
      mode: 'chunks',
      begin: { topic: `${ns}/fw/begin`, payload: '{"id":"{{requestId}}","size":{{image.size}}}' },
      topic: `${ns}/fw/chunk/{{chunk.index}}`,
      chunkBytes: 8192,
      encoding: 'binary',
      end: { topic: `${ns}/fw/end`, payload: '{"id":"{{requestId}}","sha256":"{{image.sha256}}"}' },
      reply,
      extract,
    },
    deliveries: {
      'job-url': {
        mode: 'url',
        publish: { topic: `${ns}/job`, payload: '{"id":"{{requestId}}","url":"{{image.url}}","sha256":"{{image.sha256}}"}' },
        reply,
        extract,
      },
    },
  }
}

/** Serves the image where the device is told to fetch it. */
async function imageServer(image: ImageSource): Promise<{ url: string; gets: () => string[] }> {
  const body = await readFile(image.path)
  const server = await fakeHttp((_req, res) => {
    res.writeHead(200, { 'content-length': String(body.length) })
    res.end(body)
  })
  return { url: `${server.url}/images/${image.name}`, gets: () => server.requests.map((r) => `${r.method} ${r.url}`) }
}

/** Reassembles chunks, or fetches a URL it is sent; answers with what it got either way. */
async function device(url: string, ns: string) {
  const got: Array<{ way: string; bytes: number; sha256: string }> = []
  const parts: Buffer[] = []
  await fakeDevice(url, {
    [`${ns}/fw/chunk/+`]: (m) => void parts.push(m.payload),
    [`${ns}/fw/end`]: async (m, d) => {
      const data = Buffer.concat(parts.splice(0))
      got.push({ way: 'chunks', bytes: data.length, sha256: sha256(data) })
      await d.publish(`${ns}/update/ack`, { id: m.json?.id, ok: sha256(data) === m.json?.sha256, said: `${data.length} bytes in chunks` })
    },
    [`${ns}/job`]: async (m, d) => {
      const job = m.json as { id: string; url: string; sha256: string }
      const data = Buffer.from(await (await fetch(job.url)).arrayBuffer())
      got.push({ way: 'url', bytes: data.length, sha256: sha256(data) })
      await d.publish(`${ns}/update/ack`, { id: job.id, ok: sha256(data) === job.sha256, said: `fetched ${job.url}` })
    },
  })
  return got
}

describe.each(BROKERS)('named deliveries over MQTT through %s', (_name, start) => {
  it('sends the default delivery in chunks and the named one as a URL the device fetches', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'fw-2.0', 30_000)
    const served = await imageServer(image)
    const got = await device(url, ns)
    const { dut, entries } = dutFor(profile(url, operations(ns)))

    expect(await dut.deliverImage(image, { imageUrl: served.url })).toEqual({ accepted: true, message: `${image.size} bytes in chunks` })
    expect(served.gets()).toEqual([])
    expect(await dut.deliverImage(image, { imageUrl: served.url, delivery: 'job-url' })).toEqual({
      accepted: true,
      message: `fetched ${served.url}`,
    })
    expect(served.gets()).toEqual([`GET /images/${image.name}`])
    expect(got).toEqual([
      { way: 'chunks', bytes: image.size, sha256: image.sha256 },
      { way: 'url', bytes: image.size, sha256: image.sha256 },
    ])
    const sent = messages(entries())
      .filter(([direction]) => direction === 'out')
      .map(([, topic]) => topic.slice(ns.length + 1))
    expect(sent).toEqual(['fw/begin', 'fw/chunk/0', 'fw/chunk/1', 'fw/chunk/2', 'fw/chunk/3', 'fw/end', 'job'])
  })

  it('a delivery the profile lacks is not declared, and nothing is published', async () => {
    const { url } = await broker(start)
    const ns = namespace()
    const image = await imageFile(await tempDir(), 'fw-2.0', 100)
    const { dut, entries } = dutFor(profile(url, operations(ns)))
    expect(await rejection(dut.deliverImage(image, { delivery: 'ota' }))).toMatchObject({
      code: 'E_DUT_NOT_DECLARED',
      message: 'deliver-image: delivery "ota" not declared in the DUT profile (operations.deliveries has "job-url")',
    })
    expect(messages(entries())).toEqual([])
  })
})
