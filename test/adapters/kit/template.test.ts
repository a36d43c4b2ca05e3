import { describe, expect, it } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { fill, newRequestId, regexLiteral, uriComponent } from '../../../adapters/kit/template.ts'
import { imageVars } from '../../../adapters/kit/image.ts'

const o = { op: 'identify' as const, what: 'the request template' }

describe('the {{…}} filler', () => {
  it('fills every placeholder, spaces inside the braces allowed, values as they are', () => {
    expect(fill('GET {{ a }}/{{b}}?x={{a}}', { a: '1 2', b: 'x/y' }, o)).toBe('GET 1 2/x/y?x=1 2')
  })

  it('escapes only where the channel asks: a URL component, a regular expression', () => {
    expect(fill('/api/{{id}}', { id: 'a/b?c=d' }, { ...o, escape: uriComponent })).toBe('/api/a%2Fb%3Fc%3Dd')
    const re = new RegExp(fill('^id={{requestId}}$', { requestId: 'a.b*(c)' }, { ...o, escape: regexLiteral }))
    expect(re.test('id=a.b*(c)')).toBe(true)
    expect(re.test('id=aXbbb(c)')).toBe(false)
  })

  it('a placeholder the operation does not fill, or fills without a value here, is E_DUT_PROTOCOL naming the template', () => {
    const unknown = (() => {
      try {
        fill('{{image.url}}', {}, { op: 'deliver-image', what: 'the command template "fetch {{image.url}}"' })
      } catch (err) {
        return err
      }
    })()
    expect(unknown).toBeInstanceOf(DutError)
    expect(unknown).toMatchObject({
      code: 'E_DUT_PROTOCOL',
      message: 'deliver-image: the command template "fetch {{image.url}}" uses {{image.url}}, which is not filled by this operation',
    })
    expect(() => fill('{{image.url}}', { 'image.url': undefined }, { op: 'deliver-image', what: 'the message template' })).toThrow(
      'deliver-image: the message template uses {{image.url}}, which has no value here',
    )
  })

  it('fills the image values every channel offers, and fresh request IDs', () => {
    const profile = { images: { valid: { file: '/img/v.bin', version: '2.0' } } } as unknown as Parameters<typeof imageVars>[0]
    const image = { name: 'valid', path: '/img/v.bin', size: 42, sha256: 'ab'.repeat(32) }
    expect(imageVars(profile, image, { imageUrl: 'http://127.0.0.1:9/v.bin' })).toEqual({
      'image.url': 'http://127.0.0.1:9/v.bin',
      'image.version': '2.0',
      'image.sha256': image.sha256,
      'image.size': '42',
      'image.name': 'valid',
    })
    expect(newRequestId()).toMatch(/^[0-9a-f]{16}$/)
    expect(newRequestId()).not.toBe(newRequestId())
  })
})
