import { X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { EmulatorConfigError } from '../../emulator/errors.ts'
import { splitUrl } from '../../emulator/exchange.ts'
import { hostPort, loopbackHost } from '../../emulator/loopback.ts'
import { parseRange } from '../../emulator/send-image.ts'
import { certificateFingerprint } from '../../emulator/tls.ts'
import { createCa } from '../../fixtures/certs.ts'

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=900-', 1000, { start: 900, end: 999 }],
    ['bytes=900-5000', 1000, { start: 900, end: 999 }],
    ['bytes=-10', 1000, { start: 990, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
    [' bytes=1-1 ', 10, { start: 1, end: 1 }],
  ] as const)('%s of %i bytes', (header, size, range) => {
    expect(parseRange(header, size)).toEqual(range)
  })

  it.each([
    ['bytes=1000-', 1000],
    ['bytes=-0', 1000],
    ['bytes=-1', 0],
  ] as const)('%s of %i bytes is unsatisfiable', (header, size) => {
    expect(parseRange(header, size)).toBe('unsatisfiable')
  })

  it.each(['bytes=0-1,5-6', 'items=0-9', 'bytes=-', 'bytes=9-1', 'bytes=a-b'])('ignores %s (the whole image is sent)', (header) => {
    expect(parseRange(header, 1000)).toBeUndefined()
  })
})

describe('splitUrl', () => {
  it('keeps the path as sent and takes the first value of each query parameter', () => {
    expect(splitUrl('/d/x%20y?a=1&b=two%20words&a=2#frag')).toEqual({ path: '/d/x%20y', query: { a: '1', b: 'two words' } })
    expect(splitUrl('/p#frag')).toEqual({ path: '/p', query: {} })
  })

  it('accepts absolute-form targets', () => {
    expect(splitUrl('http://updates.example/v1/check?x=1')).toEqual({ path: '/v1/check', query: { x: '1' } })
    expect(splitUrl('http://updates.example')).toEqual({ path: '/', query: {} })
    expect(splitUrl('?x=1')).toEqual({ path: '/', query: { x: '1' } })
  })
})

describe('loopbackHost', () => {
  it('normalises the loopback spellings', () => {
    expect(loopbackHost('localhost')).toBe('127.0.0.1')
    expect(loopbackHost('LOCALHOST')).toBe('127.0.0.1')
    expect(loopbackHost('127.0.0.2')).toBe('127.0.0.2')
    expect(loopbackHost('[::1]')).toBe('::1')
    expect(loopbackHost('0:0:0:0:0:0:0:1')).toBe('::1')
    // The profile loader accepts IPv4-mapped loopback, so the emulator must be able to bind it.
    expect(loopbackHost('::ffff:127.0.0.1')).toBe('127.0.0.1')
  })

  it.each(['', '0.0.0.0', '::', '128.0.0.1', 'example.com', 42])('refuses %j', (host) => {
    expect(() => loopbackHost(host)).toThrow(EmulatorConfigError)
  })

  it('brackets IPv6 in host:port', () => {
    expect(hostPort('::1', 80)).toBe('[::1]:80')
    expect(hostPort('127.0.0.1', 80)).toBe('127.0.0.1:80')
  })
})

describe('certificateFingerprint', () => {
  it('is the SHA-256 of the DER certificate', async () => {
    const { certPem } = await createCa('ts701 fingerprint test')
    const expected = new X509Certificate(certPem).fingerprint256.replaceAll(':', '').toLowerCase()
    expect(certificateFingerprint(certPem)).toBe(`sha256:${expected}`)
  })
})
