import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { OperationMap } from '../../../adapters/http/profile.ts'
import { closedPort, dutFor, onRequestHead, profile, rawDevice, rejection } from './helpers.ts'

const ops: OperationMap = {
  identify: { request: { method: 'GET', path: '/api/info' }, extract: { model: { pointer: '/model' }, version: { pointer: '/version' } } },
}
const BODY = '{"model":"TS701-REF-1","version":"1.4.2"}'

/** A device that answers every request with exactly these bytes. */
async function answering(reply: string | ((socket: Socket) => void)) {
  return rawDevice((socket) => onRequestHead(socket, () => (typeof reply === 'string' ? socket.end(reply) : reply(socket))))
}

const malformedHeader = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nthis line has no colon\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`
const lengthTooLong = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length + 50}\r\n\r\n${BODY}`

describe('sloppy device HTTP', () => {
  describe('strict mode (undici)', () => {
    it('a malformed header line is a protocol error with the lenient hint', async () => {
      const device = await answering(malformedHeader)
      const err = await rejection(dutFor(profile(device.url, ops)).dut.identify())
      expect(err.code).toBe('E_DUT_PROTOCOL')
      expect(err.message).toBe("identify: the device's HTTP is malformed (Invalid header token); set adapter.lenient: true")
    })

    it('a Content-Length longer than the body is a protocol error with the lenient hint', async () => {
      const device = await answering(lengthTooLong)
      const err = await rejection(dutFor(profile(device.url, ops)).dut.identify())
      expect(err.code).toBe('E_DUT_PROTOCOL')
      expect(err.message).toMatch(
        /^identify: connection closed by the device in the middle of its answer \(after \d+ bytes of the body\); set adapter\.lenient: true$/,
      )
    })

    it('a connection closed mid-reply is a protocol error with the lenient hint, and recorded', async () => {
      const device = await answering((socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":`)
        setTimeout(() => socket.destroy(), 30)
      })
      const { dut, entries } = dutFor(profile(device.url, ops))
      const err = await rejection(dut.identify())
      expect(err.code).toBe('E_DUT_PROTOCOL')
      expect(err.message).toContain('in the middle of its answer')
      expect(err.message).toContain('set adapter.lenient: true')
      expect(entries()[0]?.detail).toMatchObject({ status: 200, error: expect.stringContaining('in the middle of its answer') })
    })

    it('a connection closed before any answer counts as not reachable', async () => {
      const device = await answering((socket) => socket.destroy())
      const err = await rejection(dutFor(profile(device.url, ops)).dut.identify())
      expect(err.code).toBe('E_DUT_UNREACHABLE')
      expect(err.message).toBe('identify: connection closed by the device before it answered')
    })
  })

  describe('lenient mode (raw sockets)', () => {
    const lenient = (url: string) => dutFor(profile(url, ops, { lenient: true }))

    it('skips a malformed header line and notes it in the evidence', async () => {
      const device = await answering(malformedHeader)
      const { dut, entries } = lenient(device.url)
      expect(await dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
      expect(entries()[0]?.detail?.notes).toEqual(['skipped a malformed header line "this line has no colon"'])
      expect(entries()[0]?.detail?.responseHeaders).toEqual({ 'content-type': 'application/json', 'content-length': String(BODY.length) })
    })

    it('reads a body shorter than its Content-Length until the connection closes', async () => {
      const device = await answering(lengthTooLong)
      const { dut, entries } = lenient(device.url)
      expect(await dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
      expect(entries()[0]?.detail?.notes).toEqual([
        `body shorter than its Content-Length (${BODY.length} of ${BODY.length + 50} bytes) when the connection closed`,
      ])
    })

    it('keeps a body longer than its Content-Length', async () => {
      const device = await answering(`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${BODY}`)
      const { dut, entries } = lenient(device.url)
      expect(await dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
      expect(entries()[0]?.detail?.responseBytes).toBe(BODY.length)
    })

    it('reads a body without Content-Length until close, and a keep-alive body by its length', async () => {
      const noLength = await answering(`HTTP/1.0 200\r\n\r\n${BODY}`)
      expect(await lenient(noLength.url).dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
      // A device that ignores Connection: close: the announced length, then silence, ends the body.
      const keepAlive = await answering((socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`))
      const started = Date.now()
      expect(await lenient(keepAlive.url).dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
      expect(Date.now() - started).toBeLessThan(1000)
    })

    it('decodes a chunked body, and skips an interim 100 Continue', async () => {
      const chunks = [BODY.slice(0, 7), BODY.slice(7)].map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('')
      const device = await answering(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`)
      expect(await lenient(device.url).dut.identify()).toEqual({ model: 'TS701-REF-1', version: '1.4.2' })
    })

    it('sends Host, Connection: close and the credentials, and redacts them', async () => {
      let head = ''
      const device = await rawDevice((socket) =>
        onRequestHead(socket, (h) => {
          head = h
          socket.end(`HTTP/1.1 200 OK\r\n\r\n${BODY}`)
        }),
      )
      const { dut, entries } = dutFor(profile(device.url, ops, { lenient: true, auth: { kind: 'bearer', tokenEnv: 'T' } }), {
        T: 'lenient-secret',
      })
      await dut.identify()
      expect(head.split('\r\n')).toEqual(
        expect.arrayContaining([
          'GET /api/info HTTP/1.1',
          `host: 127.0.0.1:${device.port}`,
          'connection: close',
          'authorization: Bearer lenient-secret',
        ]),
      )
      expect(JSON.stringify(entries())).not.toContain('lenient-secret')
    })

    it('still times out a silent device and reports an unreachable one', async () => {
      const silent = await rawDevice(() => {})
      const err = await rejection(
        dutFor(profile(silent.url, ops, { lenient: true, timeouts: { defaultMs: 250, operations: {} } })).dut.identify(),
      )
      expect(err.code).toBe('E_DUT_TIMEOUT')
      expect(err.message).toBe(`identify: no answer from ${silent.url} within 250 ms`)
      const port = await closedPort()
      expect((await rejection(lenient(`http://127.0.0.1:${port}`).dut.identify())).code).toBe('E_DUT_UNREACHABLE')
    })

    it('an answer that is not HTTP at all is a protocol error', async () => {
      const device = await answering('SSH-2.0-OpenSSH_9.6\r\n\r\n')
      const err = await rejection(lenient(device.url).dut.identify())
      expect(err.code).toBe('E_DUT_PROTOCOL')
      expect(err.message).toBe(`identify: the device's HTTP is malformed (not an HTTP answer: "SSH-2.0-OpenSSH_9.6")`)
    })
  })
})
