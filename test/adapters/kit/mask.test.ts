import { describe, expect, it } from 'vitest'
import { isSensitive, Masker, REDACTED, redactHeaders, redactQuery, redactUrl } from '../../../core/mask.ts'
import { EvidenceLog } from '../../../core/evidence.ts'

describe('the masker', () => {
  it('masks secret values longest first, in text and in JSON-escaped form', () => {
    const m = new Masker(['abc', 'abcdef', 'pa"ss\\wd'])
    expect(m.text('token abcdef and abc')).toBe('token *** and ***')
    // Longest first: the shorter secret inside the longer one does not leave a piece of it behind.
    expect(m.text('abcdefabc')).toBe('******')
    expect(m.text('raw pa"ss\\wd, in JSON "pa\\"ss\\\\wd"')).toBe('raw ***, in JSON "***"')
    expect(m.value({ said: 'echo pa"ss\\wd', list: ['abcdef'] })).toEqual({ said: 'echo ***', list: ['***'] })
  })

  it('leaves values shorter than 3 characters alone, learning secrets as they are read', () => {
    const m = new Masker()
    m.addSecret('on', '')
    expect(m.text('on and on')).toBe('on and on')
    m.addSecret('s3cret')
    m.addSecret('s3cret')
    expect(m.text('s3cret!')).toBe('***!')
  })

  it('masks credential headers by name, keeps the Authorization scheme, and masks secrets in the others', () => {
    const m = new Masker(['hunter2'])
    m.addHeader('X-Device-Pin')
    expect(
      m.headers({
        authorization: 'Bearer abc.def',
        'proxy-authorization': 'Basic Zm9v',
        cookie: 'sid=1',
        'x-api-key': 'k',
        'x-device-pin': '1234',
        'x-note': 'said hunter2',
        accept: 'application/json',
      }),
    ).toEqual({
      authorization: 'Bearer ***',
      'proxy-authorization': 'Basic ***',
      cookie: REDACTED,
      'x-api-key': REDACTED,
      'x-device-pin': REDACTED,
      'x-note': 'said ***',
      accept: 'application/json',
    })
    expect(m.headers({ authorization: 'justatoken' })).toEqual({ authorization: REDACTED })
  })

  it('cuts user:password from URLs and masks credential query parameters, keeping the rest as written', () => {
    expect(redactUrl('mqtt://lab:pw@127.0.0.1:1883/')).toBe('mqtt://127.0.0.1:1883/')
    expect(redactUrl('http://127.0.0.1/api?full=1&apiKey=xyz&access_token=t&q=a%20b')).toBe(
      'http://127.0.0.1/api?full=1&apiKey=***&access_token=***&q=a%20b',
    )
    expect(redactUrl('not a url //u:p@host/x')).toBe('not a url //host/x')
    expect(new Masker(['xyz-secret']).url('http://127.0.0.1/p/xyz-secret')).toBe('http://127.0.0.1/p/***')
  })

  it('offers the emulator its signatures: redactHeaders, redactQuery, isSensitive, REDACTED', () => {
    expect(
      redactHeaders({
        authorization: 'Bearer t0k3n',
        'set-cookie': ['a=1', 'b=2'],
        'x-forwarded-for': ['1.2.3.4', '5.6.7.8'],
        host: undefined,
      }),
    ).toEqual({ authorization: 'Bearer ***', 'set-cookie': '***', 'x-forwarded-for': '1.2.3.4, 5.6.7.8' })
    expect(redactQuery({ token: 't', apiKey: 'k', model: 'cam' })).toEqual({ token: '***', apiKey: '***', model: 'cam' })
    for (const name of ['Authorization', 'X-Auth-Token', 'password', 'passwd', 'session_id', 'client_secret', 'credential'])
      expect(isSensitive(name), name).toBe(true)
    for (const name of ['accept', 'content-type', 'x-request-id']) expect(isSensitive(name), name).toBe(false)
  })

  it('is what the evidence log masks with: no secret reaches an entry, whatever the adapter put in it', () => {
    const log = new EvidenceLog(undefined, ['tok"en-123', 'ab'])
    log.record({ channel: 'test', summary: 'device said tok"en-123', detail: { nested: ['tok"en-123'], short: 'ab' } })
    expect(log.since(0)[0]).toMatchObject({ summary: 'device said ***', detail: { nested: ['***'], short: 'ab' } })
  })
})
