import { describe, expect, it } from 'vitest'
import type { EvidenceEntry } from '../../core/evidence.ts'
import type { Exchange } from '../../emulator/exchange.ts'
import { HitLog, type Hit } from '../../emulator/hit-log.ts'
import { Recorder } from '../../emulator/recorder.ts'

const hit = (id: string, time: number, extra: Partial<Hit> = {}): Hit => ({
  id,
  time,
  method: 'GET',
  path: '/c',
  query: {},
  headers: {},
  remote: '127.0.0.1',
  status: 200,
  bytesSent: 0,
  completed: true,
  ...extra,
})

describe('HitLog', () => {
  it('orders hits by arrival, not by when their answer completed', () => {
    const log = new HitLog()
    log.add(hit('a', 30))
    log.add(hit('b', 10))
    log.add(hit('c', 20))
    log.add(hit('d', 30))
    expect(log.list().map((h) => h.id)).toEqual(['b', 'c', 'a', 'd'])
    expect(log.length).toBe(4)
  })

  it('hands out copies', () => {
    const log = new HitLog()
    log.add(hit('a', 1, { query: { q: '1' }, tls: { protocol: 'TLSv1.3', cipher: 'X' } }))
    const [copy] = log.list()
    copy!.query.q = 'changed'
    copy!.tls!.cipher = 'changed'
    expect(log.list()[0]).toMatchObject({ query: { q: '1' }, tls: { cipher: 'X' } })
  })

  it('waitFor finds a logged hit, or waits for one from `since` on, or gives up after the timeout', async () => {
    const log = new HitLog()
    log.add(hit('old', 100))
    expect(await log.waitFor((h) => h.path === '/c', { timeoutMs: 0 })).toMatchObject({ id: 'old' })
    const waiting = log.waitFor((h) => h.path === '/c', { timeoutMs: 5_000, since: 200 })
    log.add(hit('early', 150))
    log.add(hit('other', 250, { path: '/x' }))
    log.add(hit('new', 300))
    expect(await waiting).toMatchObject({ id: 'new' })
    expect(await log.waitFor((h) => h.path === '/none', { timeoutMs: 20 })).toBeUndefined()
  })

  it('rejects a wait whose predicate throws, now or on a later hit', async () => {
    const log = new HitLog()
    log.add(hit('a', 1))
    const boom = (): boolean => {
      throw new Error('boom')
    }
    await expect(log.waitFor(boom, { timeoutMs: 1_000 })).rejects.toThrow('boom')
    const later = log.waitFor(boom, { timeoutMs: 1_000, since: 2 })
    log.add(hit('b', 3))
    await expect(later).rejects.toThrow('boom')
  })

  it('once closed, starts no new waits; those waiting still see hits until release()', async () => {
    const log = new HitLog()
    const first = log.waitFor((h) => h.id === 'dropped', { timeoutMs: 60_000 })
    const second = log.waitFor((h) => h.id === 'never', { timeoutMs: 60_000 })
    log.close()
    expect(await log.waitFor(() => true, { timeoutMs: 60_000 })).toBeUndefined()
    log.add(hit('dropped', 1, { completed: false }))
    expect(await first).toMatchObject({ id: 'dropped' })
    log.release()
    expect(await second).toBeUndefined()
  })
})

function fakeEvidence(): { entries: EvidenceEntry[]; record: (e: EvidenceEntry) => string } {
  const entries: EvidenceEntry[] = []
  return { entries, record: (e) => (entries.push(e), `E${String(entries.length).padStart(6, '0')}`) }
}

const exchange = (x: Partial<Omit<Exchange, 'res'>> = {}): Omit<Exchange, 'res'> => ({
  time: Date.now(),
  method: 'GET',
  path: '/v1/check',
  rawQuery: {},
  headers: {},
  remote: '127.0.0.1',
  status: 0,
  bytesSent: 0,
  requestBytes: 0,
  ...x,
})

describe('Recorder', () => {
  it('records each request with its summary and without empty details, and logs it as a hit with the evidence ID', () => {
    const evidence = fakeEvidence()
    const hits = new HitLog()
    const recorder = new Recorder(evidence, hits)
    recorder.exchange(
      exchange({ rawQuery: { serial: 'S1', token: 't0ken' }, route: 'check', status: 200, bytesSent: 5, responseBody: 'hello' }),
      true,
    )
    recorder.exchange(exchange({ method: 'POST', path: '/v1/report', requestBytes: 3, requestSha256: 'ab', error: 'no traffic' }), false)
    recorder.exchange(exchange({ path: '/v1/gone', status: 206, route: 'image' }), false)
    expect(evidence.entries.map((e) => e.summary)).toEqual([
      'GET /v1/check → 200 (check)',
      'POST /v1/report → no answer, client went away',
      'GET /v1/gone → 206 (image), client went away',
    ])
    expect(evidence.entries.every((e) => e.channel === 'update-server')).toBe(true)
    const detail = evidence.entries[0]!.detail!
    expect(detail).toMatchObject({
      query: { serial: 'S1', token: '***' },
      route: 'check',
      status: 200,
      completed: true,
      responseBody: 'hello',
    })
    expect(Object.values(detail)).not.toContain(undefined)
    expect(detail).not.toHaveProperty('requestSha256')
    expect(evidence.entries[1]!.detail).toMatchObject({ requestBytes: 3, requestSha256: 'ab', error: 'no traffic', status: 0 })
    expect(hits.list().map((h) => [h.id, h.status, h.completed])).toEqual([
      ['E000001', 200, true],
      ['E000002', 0, false],
      ['E000003', 206, false],
    ])
    expect(hits.list()[0]!.query).toEqual({ serial: 'S1', token: '***' })
  })

  it('keeps a 2 KiB excerpt of a long answer body, and numbers hits itself without an evidence log', () => {
    const evidence = fakeEvidence()
    new Recorder(evidence, new HitLog()).exchange(exchange({ status: 200, responseBody: 'x'.repeat(3000) }), true)
    expect(evidence.entries[0]!.detail!.responseBody).toBe(`${'x'.repeat(2048)}…`)

    const hits = new HitLog()
    const bare = new Recorder(undefined, hits)
    bare.exchange(exchange({ status: 404 }), true)
    bare.exchange(exchange({ status: 404 }), true)
    expect(hits.list().map((h) => h.id)).toEqual(['H000001', 'H000002'])
  })

  it('records refused handshakes, client errors and idle connections, and lists them', () => {
    const evidence = fakeEvidence()
    const recorder = new Recorder(evidence, new HitLog())
    recorder.handshakeFailure({ remote: '127.0.0.1', error: 'alert bad certificate', stage: 'handshake', servername: undefined })
    recorder.handshakeFailure({ error: 'ECONNRESET', stage: 'handshake' })
    recorder.clientError({ remote: '127.0.0.1', error: 'HPE_INVALID_METHOD' }, 400)
    recorder.clientError({ remote: undefined, error: 'ECONNRESET' })
    recorder.idleConnection({ remote: '127.0.0.1', error: 'no request within 300 ms; connection closed' })
    expect(evidence.entries.map((e) => e.summary)).toEqual([
      'TLS handshake with 127.0.0.1 failed: alert bad certificate',
      'TLS handshake failed: ECONNRESET',
      'client error from 127.0.0.1: HPE_INVALID_METHOD → 400',
      'client error from unknown: ECONNRESET',
      'idle connection from 127.0.0.1 closed',
    ])
    expect(evidence.entries[0]!.detail).toEqual({
      event: 'tls-handshake-failure',
      remote: '127.0.0.1',
      error: 'alert bad certificate',
      stage: 'handshake',
    })
    expect(evidence.entries[2]!.detail).toEqual({
      event: 'client-error',
      time: expect.any(Number),
      remote: '127.0.0.1',
      error: 'HPE_INVALID_METHOD',
      status: 400,
    })
    expect(recorder.handshakeFailures()).toEqual([
      { time: expect.any(Number), remote: '127.0.0.1', error: 'alert bad certificate', stage: 'handshake' },
      { time: expect.any(Number), error: 'ECONNRESET', stage: 'handshake' },
    ])
    expect(recorder.clientErrors().map((e) => e.error)).toEqual([
      'HPE_INVALID_METHOD',
      'ECONNRESET',
      'no request within 300 ms; connection closed',
    ])
  })

  it('records the lifecycle: start, offers (announced or only served), TLS changes, stop', () => {
    const evidence = fakeEvidence()
    const hits = new HitLog()
    const recorder = new Recorder(evidence, hits)
    const image = { name: 'fw.bin', path: '/x', size: 10, sha256: 'aa', version: '2.0' }
    recorder.started('http://127.0.0.1:8702', ['check', 'image'])
    recorder.offered({ id: 1, announced: true, image, size: 10, sha1: 's1', md5: 'm5', fileSha256: 'aa', etag: '"e"', parts: {} })
    recorder.offered({
      id: 2,
      announced: false,
      image: { ...image, sha256: 'bb' },
      size: 10,
      sha1: 's1',
      md5: 'm5',
      fileSha256: 'aa',
      etag: '"e"',
      parts: {},
    })
    recorder.withdrawn({ id: 2, announced: false, image, size: 10, sha1: 's1', md5: 'm5', fileSha256: 'aa', etag: '"e"', parts: {} })
    recorder.tlsChanged('http://127.0.0.1:8702', undefined)
    recorder.serverError(new Error('EMFILE'))
    recorder.stopped()
    expect(evidence.entries.map((e) => [e.summary, e.detail])).toEqual([
      ['listening on http://127.0.0.1:8702', { event: 'start', url: 'http://127.0.0.1:8702', routes: ['check', 'image'] }],
      ['offering fw.bin (version 2.0)', { event: 'offer', image: 'fw.bin', version: '2.0', size: 10, sha256: 'aa' }],
      [
        'serving, not announcing, fw.bin (version 2.0)',
        {
          event: 'offer',
          announced: false,
          image: 'fw.bin',
          version: '2.0',
          size: 10,
          sha256: 'bb',
          fileSha256: 'aa',
          note: 'announced SHA-256 differs from the file',
        },
      ],
      ['no longer serving fw.bin', { event: 'withdraw', image: 'fw.bin' }],
      ['TLS off (plain HTTP)', { event: 'tls', url: 'http://127.0.0.1:8702' }],
      ['server error: EMFILE', { event: 'error', error: 'EMFILE' }],
      ['stopped (0 requests seen)', { event: 'close', requests: 0 }],
    ])
  })
})
