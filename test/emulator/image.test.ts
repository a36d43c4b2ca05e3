import { createHash } from 'node:crypto'
import { get } from 'node:http'
import { readFile, writeFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, makeImage, rawConnect, settledHits, sha256, startEmulator } from './helpers.ts'

const routes: EmulatorRoute[] = [
  { name: 'check', method: 'GET', path: '/v1/check', status: 200, body: '{"url":"{{image.url}}","size":{{image.size}}}' },
  { name: 'image', method: 'GET', path: '/firmware/:name', status: 200, serve: 'image' },
]

describe('serve: image', () => {
  it('answers 404 while no image is offered, and after withdraw()', async () => {
    const emu = await startEmulator(routes)
    const res = await fetchRaw(`${emu.url}/firmware/fw-2.0.bin`)
    expect(res).toMatchObject({ status: 404, text: 'no image offered\n' })
    await emu.offer(await makeImage(100))
    expect((await fetchRaw(`${emu.url}/firmware/fw-2.0.bin`)).status).toBe(200)
    emu.withdraw()
    expect((await fetchRaw(`${emu.url}/firmware/fw-2.0.bin`)).status).toBe(404)
    expect((await settledHits(emu, 3)).map((h) => [h.route, h.status])).toEqual([
      ['image', 404],
      ['image', 200],
      ['image', 404],
    ])
  })

  it('streams the offered file with its length, and records the bytes sent', async () => {
    const image = await makeImage(3 * 1024 * 1024 + 17, 'fw-3.bin', '3.0.0', true)
    const emu = await startEmulator(routes)
    await emu.offer({ name: image.name, path: image.path, size: 0, sha256: image.sha256, version: image.version })
    expect(emu.offered()).toMatchObject({ name: 'fw-3.bin', size: image.size, sha256: image.sha256, version: '3.0.0' })

    const manifest = JSON.parse((await fetchRaw(`${emu.url}/v1/check`)).text) as { url: string; size: number }
    expect(manifest.size).toBe(image.size)
    const res = await fetchRaw(manifest.url)
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe(String(image.size))
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.headers['accept-ranges']).toBe('bytes')
    expect(sha256(res.body)).toBe(image.sha256)
    const hit = (await settledHits(emu, 2)).at(-1)!
    expect(hit).toMatchObject({ route: 'image', status: 200, bytesSent: image.size, completed: true })
  })

  it('honours Range requests (206 with Content-Range), suffix ranges and 416', async () => {
    const image = await makeImage(10_000)
    const emu = await startEmulator(routes)
    await emu.offer(image)
    const url = `${emu.url}/firmware/${image.name}`

    const part = await fetchRaw(url, { headers: { Range: 'bytes=100-199' } })
    expect(part.status).toBe(206)
    expect(part.headers['content-range']).toBe('bytes 100-199/10000')
    expect(part.headers['content-length']).toBe('100')
    expect(part.body.equals(image.bytes!.subarray(100, 200))).toBe(true)

    const open = await fetchRaw(url, { headers: { Range: 'bytes=9000-' } })
    expect(open.status).toBe(206)
    expect(open.headers['content-range']).toBe('bytes 9000-9999/10000')
    expect(open.body.equals(image.bytes!.subarray(9000))).toBe(true)

    const suffix = await fetchRaw(url, { headers: { Range: 'bytes=-10' } })
    expect(suffix.status).toBe(206)
    expect(suffix.body.equals(image.bytes!.subarray(9990))).toBe(true)

    const beyond = await fetchRaw(url, { headers: { Range: 'bytes=10000-' } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers['content-range']).toBe('bytes */10000')

    // Several ranges are not supported: the whole image is a valid answer.
    const multi = await fetchRaw(url, { headers: { Range: 'bytes=0-1,5-6' } })
    expect(multi.status).toBe(200)
    expect(multi.body.length).toBe(10_000)

    // If-Range with a stale validator: the whole image.
    const stale = await fetchRaw(url, { headers: { Range: 'bytes=0-9', 'If-Range': '"something-else"' } })
    expect(stale.status).toBe(200)
    const etag = part.headers.etag as string
    const fresh = await fetchRaw(url, { headers: { Range: 'bytes=0-9', 'If-Range': etag } })
    expect(fresh.status).toBe(206)

    expect((await settledHits(emu, 7)).map((h) => [h.status, h.bytesSent])).toEqual([
      [206, 100],
      [206, 1000],
      [206, 10],
      [416, 0],
      [200, 10_000],
      [200, 10_000],
      [206, 10],
    ])
  })

  it('answers HEAD with the length and no body', async () => {
    const image = await makeImage(1234)
    const emu = await startEmulator(routes)
    await emu.offer(image)
    const res = await fetchRaw(`${emu.url}/firmware/x`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe('1234')
    expect(res.body.length).toBe(0)
    expect((await settledHits(emu, 1))[0]).toMatchObject({ method: 'HEAD', bytesSent: 0, completed: true })
  })

  it('records a client that leaves mid-download with completed=false, keeps serving, and lets it resume', async () => {
    const image = await makeImage(32 * 1024 * 1024, 'big.bin', '9.9.9', false)
    const emu = await startEmulator(routes)
    await emu.offer(image)
    const url = `${emu.url}/firmware/big.bin`

    // Read about 1 MiB, then drop the connection.
    const received = await new Promise<Buffer>((resolve, reject) => {
      const req = get(url, (res) => {
        const chunks: Buffer[] = []
        let total = 0
        res.on('data', (c: Buffer) => {
          chunks.push(c)
          total += c.length
          if (total >= 1 << 20) {
            req.destroy()
            resolve(Buffer.concat(chunks))
          }
        })
        res.on('error', () => {})
      })
      req.on('error', (e) =>
        e.message.includes('socket hang up') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e),
      )
    })
    const aborted = await emu.waitForHit((h) => h.path === '/firmware/big.bin', { timeoutMs: 10_000 })
    expect(aborted).toMatchObject({ route: 'image', status: 200, completed: false })
    expect(aborted!.bytesSent).toBeGreaterThanOrEqual(received.length)
    expect(aborted!.bytesSent).toBeLessThan(image.size)

    // The device resumes where it stopped.
    const res = await new Promise<{ status: number; range?: string; hash: string; length: number }>((resolve, reject) => {
      get(url, { headers: { Range: `bytes=${received.length}-` } }, (r) => {
        const hash = createHash('sha256').update(received)
        let length = received.length
        r.on('data', (c: Buffer) => {
          hash.update(c)
          length += c.length
        })
        r.on('end', () => resolve({ status: r.statusCode!, range: r.headers['content-range'], hash: hash.digest('hex'), length }))
        r.on('error', reject)
      }).on('error', reject)
    })
    expect(res).toEqual({
      status: 206,
      range: `bytes ${received.length}-${image.size - 1}/${image.size}`,
      hash: image.sha256,
      length: image.size,
    })
    expect((await settledHits(emu, 2)).at(-1)).toMatchObject({ status: 206, completed: true, bytesSent: image.size - received.length })
  })

  it('records a client that hangs up as soon as the last byte is in as completed', async () => {
    // curl and most devices close the connection the moment Content-Length bytes have arrived;
    // the answer was complete, however quickly the socket goes.
    const image = await makeImage(4 * 1024 * 1024 + 5, 'quick.bin', '1.0.0', false)
    const emu = await startEmulator(routes)
    await emu.offer(image)
    for (let i = 0; i < 5; i++) {
      const socket = await rawConnect(emu.url)
      const body = await new Promise<number>((resolve, reject) => {
        let head = Buffer.alloc(0)
        let length = -1
        let got = 0
        socket.on('data', (c: Buffer) => {
          if (length < 0) {
            head = Buffer.concat([head, c])
            const end = head.indexOf('\r\n\r\n')
            if (end < 0) return
            length = Number(/content-length: (\d+)/i.exec(head.toString('latin1', 0, end))![1])
            got = head.length - end - 4
          } else got += c.length
          if (got >= length) {
            socket.destroy()
            resolve(got)
          }
        })
        socket.on('error', reject)
        socket.write(`GET /firmware/quick.bin HTTP/1.1\r\nHost: x\r\n\r\n`)
      })
      expect(body).toBe(image.size)
      const hit = (await settledHits(emu, i + 1)).at(-1)
      expect(hit, `download ${i + 1}`).toMatchObject({ status: 200, bytesSent: image.size, completed: true })
    }
  })

  it('computes size, SHA-1 and MD5 on offer; the SHA-256 it announces is the one given', async () => {
    const image = await makeImage(5000)
    const emu = await startEmulator([
      { name: 'm', method: 'GET', path: '/m', status: 200, body: '{{image.size}} {{image.sha256}} {{image.sha1}} {{image.md5}}' },
    ])
    const bytes = await readFile(image.path)
    const h = (alg: string): string => createHash(alg).update(bytes).digest('hex')
    await emu.offer(image)
    expect((await fetchRaw(`${emu.url}/m`)).text).toBe(`5000 ${h('sha256')} ${h('sha1')} ${h('md5')}`)
    // A lying manifest: announce another hash than the file's (integrity tests do this on purpose).
    await emu.offer({ ...image, sha256: 'ab'.repeat(32) })
    expect((await fetchRaw(`${emu.url}/m`)).text).toBe(`5000 ${'ab'.repeat(32)} ${h('sha1')} ${h('md5')}`)
  })

  it('lets the later of two overlapping offers win, and rejects a missing file', async () => {
    const small = await makeImage(10, 'small.bin', '1')
    const large = await makeImage(2 * 1024 * 1024, 'large.bin', '2')
    const emu = await startEmulator(routes)
    await Promise.all([emu.offer(large), emu.offer(small)])
    expect(emu.offered()?.name).toBe('small.bin')
    await expect(emu.offer({ ...small, path: `${small.path}.missing` })).rejects.toMatchObject({ code: 'E_EMULATOR_CONFIG' })
    expect(emu.offered()?.name).toBe('small.bin')
  })

  it('answers 500 (recorded) when the offered file changed size after the offer', async () => {
    const image = await makeImage(100, 'changing.bin')
    const emu = await startEmulator(routes)
    await emu.offer(image)
    await writeFile(image.path, Buffer.alloc(50))
    expect((await fetchRaw(`${emu.url}/firmware/changing.bin`)).status).toBe(500)
    expect((await settledHits(emu, 1))[0]).toMatchObject({ route: 'image', status: 500 })
    // and it keeps serving
    expect((await fetchRaw(`${emu.url}/v1/check`)).status).toBe(200)
  })
})
