import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EvidenceLog } from '../../core/evidence.ts'
import { BODY_LIMIT, BodyCollector, maskedExcerpt } from '../../emulator/body.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { fetchRaw, startEmulator, tempDir } from './helpers.ts'

const routes: EmulatorRoute[] = [
  { name: 'inventory', method: 'PUT', path: '/api/devices/v1/inventory/device/attributes', status: 200 },
  { name: 'feedback', method: 'POST', path: '/rest/v1/:tenant/controller/v1/:id/deploymentBase/:action/feedback', status: 200 },
  { name: 'upload', method: 'POST', path: '/upload', status: 204 },
  { name: 'check', method: 'GET', path: '/check', status: 200, body: 'ok' },
]

const INVENTORY = '[{"name":"artifact_name","value":"release-2"},{"name":"device_type","value":"acme"}]'

describe('request bodies on hits', () => {
  it('keeps a JSON body as text and parsed, on the hit waitForHit resolves with', async () => {
    const emu = await startEmulator(routes)
    const waiting = emu.waitForHit((h) => h.route === 'inventory', { timeoutMs: 5_000 })
    await fetchRaw(`${emu.url}/api/devices/v1/inventory/device/attributes`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: INVENTORY,
    })
    const hit = await waiting
    expect(hit).toMatchObject({ body: INVENTORY, bodyJson: JSON.parse(INVENTORY) })
  })

  it('parses JSON sent under another content type, and keeps text that is not JSON as text only', async () => {
    const emu = await startEmulator(routes)
    const feedback = '{"id":"17","status":{"execution":"closed","result":{"finished":"success"}}}'
    await fetchRaw(`${emu.url}/rest/v1/DEFAULT/controller/v1/dev-1/deploymentBase/17/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: feedback,
    })
    await fetchRaw(`${emu.url}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'state=installed&v=2',
    })
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', body: 'null' })
    const [first, form, nothing] = await Promise.all([
      emu.waitForHit((h) => h.route === 'feedback', { timeoutMs: 5_000 }),
      emu.waitForHit((h) => h.body === 'state=installed&v=2', { timeoutMs: 5_000 }),
      emu.waitForHit((h) => h.body === 'null', { timeoutMs: 5_000 }),
    ])
    expect(first!.bodyJson).toEqual({ id: '17', status: { execution: 'closed', result: { finished: 'success' } } })
    expect(form).not.toHaveProperty('bodyJson')
    expect(nothing).toHaveProperty('bodyJson', null)
  })

  it('keeps no body for a request without one, a binary one, or one over 64 KiB', async () => {
    const emu = await startEmulator(routes)
    await fetchRaw(`${emu.url}/check`)
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', body: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]).toString('latin1') })
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', body: 'x'.repeat(BODY_LIMIT + 1) })
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', body: 'y'.repeat(BODY_LIMIT) })
    const hits = await Promise.all(
      [0, 1, 2, 3].map((n) => emu.waitForHit(() => emu.hits().length > n, { timeoutMs: 5_000 }).then(() => emu.hits()[n]!)),
    )
    expect(hits.map((h) => h.body?.length)).toEqual([undefined, undefined, undefined, BODY_LIMIT])
    expect(hits.every((h) => !('bodyJson' in h))).toBe(true)
  })

  it('hands out copies: a predicate cannot change the parsed body', async () => {
    const emu = await startEmulator(routes)
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', body: '{"a":{"b":1}}' })
    await emu.waitForHit(
      (h) => {
        ;(h.bodyJson as { a: { b: number } }).a.b = 2
        return true
      },
      { timeoutMs: 5_000 },
    )
    expect(emu.hits()[0]!.bodyJson).toEqual({ a: { b: 1 } })
  })

  it('records in the evidence only the size, SHA-256 and a masked excerpt; the hit keeps the body as sent', async () => {
    const dir = await tempDir()
    const evidence = new EvidenceLog(join(dir, 'evidence.jsonl'))
    const emu = await startEmulator(routes, { evidence })
    const body = '{"device":"dev-1","token":"tk-secret-1","auth":{"password":"pw-secret-2"},"status":"success"}'
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await fetchRaw(`${emu.url}/upload`, { method: 'POST', body: 'serial=SN1&api_key=ak-secret-3&state=ok' })
    await emu.waitForHit(() => emu.hits().length === 2, { timeoutMs: 5_000 })
    const [json, form] = evidence.since(0).filter((e) => (e.detail as { route?: string }).route === 'upload')
    expect(json!.detail).toMatchObject({
      requestBytes: body.length,
      requestSha256: createHash('sha256').update(body).digest('hex'),
      requestBody: '{"device":"dev-1","token":"***","auth":"***","status":"success"}',
    })
    expect(form!.detail).toMatchObject({ requestBody: 'serial=SN1&api_key=***&state=ok' })
    expect(JSON.stringify(evidence.since(0))).not.toMatch(/secret/)
    expect(emu.hits()[0]!.body).toBe(body)
  })
})

describe('BodyCollector and maskedExcerpt', () => {
  it('takes strict UTF-8 text only', () => {
    const collect = (...chunks: Buffer[]) => {
      const c = new BodyCollector()
      chunks.forEach((x) => c.add(x))
      return c.finish()
    }
    expect(collect(Buffer.from('grüße '), Buffer.from('{"x":1}'))).toEqual({ text: 'grüße {"x":1}' })
    expect(collect(Buffer.from(' {"x":1} '))).toEqual({ text: ' {"x":1} ', json: { value: { x: 1 } } })
    expect(collect(Buffer.from([0xc3, 0x28]))).toBeUndefined()
    expect(collect()).toBeUndefined()
  })

  it('masks credential-like names in text and cuts long bodies', () => {
    expect(maskedExcerpt({ text: 'password: hunter2, user: bob' }, 100)).toBe('password: ***, user: bob')
    expect(maskedExcerpt({ text: 'a'.repeat(20) }, 5)).toBe('aaaaa…')
    expect(maskedExcerpt({ text: '[{"secret":1}]', json: { value: [{ secret: 1 }] } }, 100)).toBe('[{"secret":"***"}]')
  })
})
