import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { OperationMap } from '../../../adapters/http/profile.ts'
import { dutFor, fakeDevice, imageFile, json, listen, onRequestHead, profile, rawDevice, rejection, tempDir } from './helpers.ts'

const MB = 1024 * 1024

function deliver(mode: 'raw' | 'multipart' | 'url', extra: Partial<NonNullable<OperationMap['deliver-image']>> = {}): OperationMap {
  return { 'deliver-image': { mode, request: { method: 'POST', path: '/api/update' }, ...extra } }
}

describe('deliver-image', () => {
  it('raw: streams a multi-megabyte image as the body with its exact length', async () => {
    const image = await imageFile(await tempDir(), 'firmware-1.5.0', 6 * MB + 123)
    const seen: { bytes: number; sha256: string; contentLength?: string; contentType?: string; chunks: number } = {
      bytes: 0,
      sha256: '',
      chunks: 0,
    }
    const server = createServer((req, res) => {
      const hash = createHash('sha256')
      seen.contentLength = req.headers['content-length']
      seen.contentType = req.headers['content-type']
      req.on('data', (c: Buffer) => {
        seen.bytes += c.length
        seen.chunks++
        hash.update(c)
      })
      req.on('end', () => {
        seen.sha256 = hash.digest('hex')
        json(res, 202, { accepted: true, message: 'queued for installation' })
      })
    })
    const port = await listen(server)
    try {
      const { dut, entries } = dutFor(
        profile(
          `http://127.0.0.1:${port}`,
          deliver('raw', {
            extract: { accepted: { pointer: '/accepted' }, message: { pointer: '/message' } },
          }),
        ),
      )
      const receipt = await dut.deliverImage(image)
      expect(receipt).toEqual({ status: 202, accepted: true, message: 'queued for installation' })
      expect(seen).toMatchObject({
        bytes: image.size,
        sha256: image.sha256,
        contentLength: String(image.size),
        contentType: 'application/octet-stream',
      })
      expect(seen.chunks).toBeGreaterThan(1)
      const entry = entries()[0]
      expect(entry?.summary).toMatch(/^POST \/api\/update → 202 \(6\.3 MB in \d+ ms\)$/)
      expect(entry?.detail).toMatchObject({ requestBytes: image.size, requestSha256: image.sha256, status: 202 })
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('multipart: sends one form field with the file, parsed back exactly', async () => {
    const image = await imageFile(await tempDir(), 'fw "special".img', 300_000)
    const device = await fakeDevice((_, res) => json(res, 200, { ok: true }))
    const { dut } = dutFor(profile(device.url, deliver('multipart', { field: 'firmware' })))
    expect(await dut.deliverImage(image)).toEqual({ status: 200 })
    const req = device.requests[0]!
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1]
    expect(boundary).toBeDefined()
    expect(Number(req.headers['content-length'])).toBe(req.body.length)
    const parts = parseMultipart(req.body, boundary!)
    expect(parts).toHaveLength(1)
    expect(parts[0]?.headers['content-disposition']).toBe('form-data; name="firmware"; filename="fw %22special%22.img"')
    expect(parts[0]?.headers['content-type']).toBe('application/octet-stream')
    expect(parts[0]?.body.equals(await readFile(image.path))).toBe(true)
  })

  it('url: fills the template with the image URL, version, hash, size and name', async () => {
    const image = { ...(await imageFile(await tempDir(), 'fw-2.0', 1000)), version: '2.0.0' }
    const device = await fakeDevice((_, res) => json(res, 202, {}))
    const { dut } = dutFor(
      profile(
        device.url,
        deliver('url', {
          request: {
            method: 'POST',
            path: '/api/update?name={{image.name}}&sha={{image.sha256}}',
            headers: { 'Content-Type': 'application/json' },
            body: '{"url":"{{image.url}}","version":"{{image.version}}","size":{{image.size}},"sha256":"{{ image.sha256 }}"}',
          },
        }),
      ),
    )
    const imageUrl = 'http://127.0.0.1:9999/images/fw 2.0?x=1'
    expect(await dut.deliverImage(image, { imageUrl })).toEqual({ status: 202 })
    const req = device.requests[0]!
    expect(req.url).toBe(`/api/update?name=fw-2.0&sha=${image.sha256}`)
    expect(req.headers['content-type']).toBe('application/json')
    expect(JSON.parse(req.body.toString())).toEqual({ url: imageUrl, version: '2.0.0', size: 1000, sha256: image.sha256 })
  })

  it('url: without an image URL it is a protocol error, and nothing is sent', async () => {
    const image = await imageFile(await tempDir(), 'fw', 10)
    const device = await fakeDevice((_, res) => json(res, 202, {}))
    const { dut } = dutFor(profile(device.url, deliver('url', { request: { method: 'POST', path: '/u', body: '{{image.url}}' } })))
    const err = await rejection(dut.deliverImage(image))
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(device.requests).toHaveLength(0)
  })

  it('a refusal is a receipt with the status and what the device said, not an error', async () => {
    const image = await imageFile(await tempDir(), 'attack', 5000)
    const device = await fakeDevice((_, res) => json(res, 400, { error: 'signature invalid' }))
    const { dut } = dutFor(profile(device.url, deliver('raw', { extract: { accepted: { pointer: '/accepted' } } })))
    const receipt = await dut.deliverImage(image)
    expect(receipt.status).toBe(400)
    expect(receipt.accepted).toBeUndefined()
    expect(receipt.message).toContain('400 Bad Request: {"error":"signature invalid"}')
    expect(receipt.message).toContain('accepted: JSON pointer /accepted finds nothing')
  })

  describe.each([false, true])('sloppy devices (lenient %s)', (lenient) => {
    it('a reply before the upload was read, then close: a receipt, recorded', async () => {
      const image = await imageFile(await tempDir(), 'big', 8 * MB)
      const device = await rawDevice((socket) =>
        onRequestHead(socket, () => {
          socket.end('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
        }),
      )
      const { dut, entries } = dutFor(profile(device.url, deliver('raw'), { lenient }))
      const receipt = await dut.deliverImage(image)
      expect(receipt.message).toMatch(
        /the device answered before the request body was sent \(\d+ of 8388608 bytes\)|connection closed by the device during upload after \d+ bytes/,
      )
      if (receipt.status !== undefined) expect(receipt.status).toBe(413)
      expect(entries()).toHaveLength(1)
      expect(entries()[0]?.detail?.requestBytesDeclared).toBe(8 * MB)
    })

    it('the connection closed mid-upload: a receipt saying how far it got', async () => {
      const image = await imageFile(await tempDir(), 'big', 4 * MB)
      const device = await rawDevice((socket) => {
        let n = 0
        socket.on('data', (d) => {
          n += d.length
          if (n > 256 * 1024) socket.destroy()
        })
      })
      const { dut, entries } = dutFor(profile(device.url, deliver('raw'), { lenient }))
      const receipt = await dut.deliverImage(image)
      expect(receipt).toEqual({ message: expect.stringMatching(/^connection closed by the device during upload after \d+ bytes$/) })
      expect(entries()[0]?.detail?.error).toBe(receipt.message)
    })

    it('the connection closed after the upload without an answer: a receipt', async () => {
      const image = await imageFile(await tempDir(), 'small', 1000)
      const device = await rawDevice((socket) => {
        let n = 0
        socket.on('data', (d) => {
          n += d.length
          if (n >= 1000) setTimeout(() => socket.destroy(), 20)
        })
      })
      const { dut } = dutFor(profile(device.url, deliver('raw'), { lenient }))
      const receipt = await dut.deliverImage(image)
      expect(receipt.message).toMatch(/^connection closed by the device (before it answered|during upload)/)
    })

    it('a device that never answers still times out', async () => {
      const image = await imageFile(await tempDir(), 'small', 1000)
      const device = await rawDevice(() => {})
      const { dut } = dutFor(
        profile(device.url, deliver('raw'), { lenient, timeouts: { defaultMs: 5000, operations: { 'deliver-image': 300 } } }),
      )
      const err = await rejection(dut.deliverImage(image))
      expect(err.code).toBe('E_DUT_TIMEOUT')
      expect(err.message).toBe(`deliver-image: no answer from ${device.url} within 300 ms`)
    })
  })
})

function parseMultipart(body: Buffer, boundary: string): Array<{ headers: Record<string, string>; body: Buffer }> {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Array<{ headers: Record<string, string>; body: Buffer }> = []
  let at = body.indexOf(delimiter)
  expect(at).toBe(0)
  for (;;) {
    const start = at + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') {
      expect(body.subarray(start + 2).toString()).toBe('\r\n')
      return parts
    }
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), start)
    expect(next).toBeGreaterThan(0)
    const part = body.subarray(start + 2, next)
    const headEnd = part.indexOf('\r\n\r\n')
    const headers = Object.fromEntries(
      part
        .subarray(0, headEnd)
        .toString()
        .split('\r\n')
        .map((l) => {
          const i = l.indexOf(':')
          return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()]
        }),
    )
    parts.push({ headers, body: part.subarray(headEnd + 4) })
    at = next + 2
  }
}
