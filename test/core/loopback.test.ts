import { describe, expect, it } from 'vitest'
import { isLoopbackHost, loopbackAddress, loopbackProblem } from '../../core/loopback.ts'

// One rule for the profile loader, the adapters, the publication fetch and the reference DUT:
// before it was shared, the copies disagreed on exactly these spellings.
describe('the loopback rule', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    'localhost',
    'LOCALHOST',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '[::ffff:7f00:1]',
    '127.1',
  ])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true))

  it.each([
    '10.0.0.1',
    '192.168.1.1',
    '8.8.8.8',
    'example.com',
    'dut.localhost',
    '::ffff:10.0.0.1',
    '::',
    '0.0.0.0',
    '',
    'localhost.example.com',
  ])('%s is not loopback', (host) => expect(isLoopbackHost(host)).toBe(false))

  it('names the offending host of a URL, and accepts a loopback one', () => {
    expect(loopbackProblem('http://127.0.0.1:8080/x')).toBeUndefined()
    expect(loopbackProblem('https://updates.example.com/x')).toMatch(/host "updates\.example\.com" is not a loopback address/)
    expect(loopbackProblem('not a url')).toMatch(/not a valid URL/)
  })
})

describe('loopback addresses to bind', () => {
  it.each([
    ['localhost', '127.0.0.1'],
    ['127.0.0.2', '127.0.0.2'],
    ['127.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f01:203', '127.1.2.3'],
  ])('%s binds as %s', (host, address) => expect(loopbackAddress(host)).toBe(address))

  it('has none for a host that is not loopback', () => {
    expect(loopbackAddress('10.0.0.1')).toBeUndefined()
  })
})
