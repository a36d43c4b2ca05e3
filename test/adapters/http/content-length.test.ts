/**
 * A body-less POST says `Content-Length: 0` in both modes: a real web server that is not told the
 * length waits for a body until its timeout. The device here is a raw socket server that answers
 * only once it has the request head, and records it as it came.
 */
import { describe, expect, it } from 'vitest'
import type { OperationMap, RequestTemplate } from '../../../adapters/http/profile.ts'
import { dutFor, onRequestHead, profile, rawDevice } from './helpers.ts'

/** A device that answers 200 once a request head came; `heads` holds each head's lines. */
async function headReader() {
  const heads: string[][] = []
  const device = await rawDevice((socket) =>
    onRequestHead(socket, (head) => {
      heads.push(head.split('\r\n'))
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}')
    }),
  )
  return { device, heads }
}

const lengthOf = (head: string[] | undefined) => head?.filter((l) => /^content-length:/i.test(l)).map((l) => l.toLowerCase())

describe.each([false, true])('Content-Length of body-less requests (lenient %s)', (lenient) => {
  const checkNow = (request: RequestTemplate): OperationMap => ({ 'check-now': { request } })

  it.each(['POST', 'PUT', 'PATCH'])('a %s without a body says Content-Length: 0', async (method) => {
    const { device, heads } = await headReader()
    await dutFor(
      profile(device.url, checkNow({ method, path: '/api/check' }), { lenient, timeouts: { defaultMs: 1000, operations: {} } }),
    ).dut.checkNow()
    expect(heads[0]?.[0]).toBe(`${method} /api/check HTTP/1.1`)
    expect(lengthOf(heads[0])).toEqual(['content-length: 0'])
  })

  it('a POST with an empty body template says Content-Length: 0 once', async () => {
    const { device, heads } = await headReader()
    await dutFor(profile(device.url, checkNow({ method: 'POST', path: '/api/check', body: '' }), { lenient })).dut.checkNow()
    expect(lengthOf(heads[0])).toEqual(['content-length: 0'])
  })

  it('a GET announces no body', async () => {
    const { device, heads } = await headReader()
    await dutFor(profile(device.url, checkNow({ method: 'GET', path: '/api/check' }), { lenient })).dut.checkNow()
    expect(lengthOf(heads[0])).toEqual([])
  })
})
