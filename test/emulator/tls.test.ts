import { spawn, spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createCa, issueServerCert, type Pki } from '../../fixtures/certs.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { agent, fetchRaw, settledHits, startEmulator, tempDir } from './helpers.ts'

const SERVERNAME = 'updates.example.test'
const routes: EmulatorRoute[] = [{ name: 'check', method: 'GET', path: '/v1/check', status: 200, body: '{"update":false}' }]

let ca: Pki
let genuine: Pki
let impostor: Pki

beforeAll(async () => {
  ca = await createCa('ts701 test update CA')
  genuine = await issueServerCert(ca, { hosts: [SERVERNAME, '127.0.0.1'] })
  // Same names, issued by a CA the client does not trust.
  impostor = await issueServerCert(await createCa('ts701 test update CA'), { hosts: [SERVERNAME, '127.0.0.1'] })
})

const trusting = (): ReturnType<typeof agent> => agent({ connect: { ca: ca.certPem, servername: SERVERNAME } })

/** One request with node:https, limited to one TLS version, on a fresh connection. */
function httpsGet(url: string, maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = httpsRequest(`${url}/v1/check`, { ca: ca.certPem, servername: SERVERNAME, maxVersion, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
    })
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
    req.end()
  })
}

describe('TLS', () => {
  it('records protocol, cipher and SNI server name of each request', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetchRaw(`${emu.url}/v1/check`, { dispatcher: trusting() })
    expect(res.status).toBe(200)
    const [hit] = await settledHits(emu, 1)
    expect(hit!.tls).toMatchObject({ protocol: expect.stringMatching(/^TLSv1\.[23]$/), cipher: expect.any(String), servername: SERVERNAME })
    expect(hit!.tls!.cipher.length).toBeGreaterThan(0)
    expect(emu.handshakeFailures()).toEqual([])
  })

  it('swaps to an untrusted certificate on the same port: the client fails, the failure is recorded; swapping back works', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    const url = emu.url
    const client = trusting()
    expect((await fetchRaw(`${url}/v1/check`, { dispatcher: client })).status).toBe(200)

    await emu.setTls(impostor)
    expect(emu.url).toBe(url)
    // Even the client's kept-alive connection must not outlive the swap.
    await expect(fetchRaw(`${url}/v1/check`, { dispatcher: client })).rejects.toThrow(/certificate|self.signed|verify/i)
    await vi.waitFor(() => expect(emu.handshakeFailures().length).toBeGreaterThan(0), { timeout: 5_000 })
    expect(emu.handshakeFailures()[0]).toMatchObject({ time: expect.any(Number), remote: '127.0.0.1', error: expect.any(String) })
    expect((await settledHits(emu, 1)).length).toBe(1)

    await emu.setTls(genuine)
    expect(emu.url).toBe(url)
    expect((await fetchRaw(`${url}/v1/check`, { dispatcher: trusting() })).status).toBe(200)
    expect((await settledHits(emu, 2)).map((h) => h.status)).toEqual([200, 200])
  })

  it('records the refusal whether the client aborts in the handshake (TLS 1.3) or right after it (TLS 1.2)', async () => {
    const emu = await startEmulator(routes, { tls: impostor })
    for (const [version, n] of [
      ['TLSv1.3', 1],
      ['TLSv1.2', 2],
    ] as const) {
      const res = await httpsGet(emu.url, version)
      expect(res.error, version).toMatch(/CERT|SIGNATURE|ISSUER|SELF_SIGNED/)
      await vi.waitFor(() => expect(emu.handshakeFailures().length).toBe(n), { timeout: 5_000 })
    }
    const [tls13, tls12] = emu.handshakeFailures()
    expect(tls13!.stage).toBe('handshake')
    expect(tls12).toMatchObject({ stage: 'after-handshake', servername: SERVERNAME })
    expect(tls12!.error).toMatch(/closed the connection right after the TLS handshake/)
    expect(emu.hits()).toEqual([])
  })

  it.skipIf(spawnSync('openssl', ['version']).status !== 0)(
    'records the alert of a client that aborts the handshake (openssl s_client)',
    async () => {
      const emu = await startEmulator(routes, { tls: impostor })
      const dir = await tempDir()
      const caFile = join(dir, 'ca.pem')
      await writeFile(caFile, ca.certPem)
      const { port } = new URL(emu.url)
      const client = spawn(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', SERVERNAME, '-CAfile', caFile, '-verify_return_error'],
        { stdio: ['pipe', 'ignore', 'ignore'] },
      )
      client.stdin.end()
      await new Promise((resolve) => client.once('exit', resolve))
      await vi.waitFor(() => expect(emu.handshakeFailures().length).toBe(1), { timeout: 5_000 })
      expect(emu.handshakeFailures()[0]).toMatchObject({ stage: 'handshake', error: expect.stringMatching(/alert/i) })
    },
  )

  it('records a plain-HTTP client talking to the TLS port as a handshake failure', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    await expect(fetchRaw(emu.url.replace('https:', 'http:') + '/v1/check')).rejects.toThrow()
    await vi.waitFor(() => expect(emu.handshakeFailures().length).toBe(1), { timeout: 5_000 })
    expect(emu.handshakeFailures()[0]!.stage).toBe('handshake')
  })

  it('switches between plain HTTP and TLS on the same port', async () => {
    const emu = await startEmulator(routes)
    const port = new URL(emu.url).port
    expect(emu.url).toBe(`http://127.0.0.1:${port}`)
    expect((await fetchRaw(`${emu.url}/v1/check`)).status).toBe(200)

    await emu.setTls(genuine)
    expect(emu.url).toBe(`https://127.0.0.1:${port}`)
    expect((await fetchRaw(`${emu.url}/v1/check`, { dispatcher: trusting() })).status).toBe(200)

    await emu.setTls(undefined)
    expect(emu.url).toBe(`http://127.0.0.1:${port}`)
    expect((await fetchRaw(`${emu.url}/v1/check`, { dispatcher: agent() })).status).toBe(200)
    const hits = await settledHits(emu, 3)
    expect(hits.map((h) => Boolean(h.tls))).toEqual([false, true, false])
  })

  it('rejects a certificate that does not load', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    await expect(emu.setTls({ certPem: 'not a certificate', keyPem: genuine.keyPem })).rejects.toMatchObject({ code: 'E_EMULATOR_CONFIG' })
    await expect(emu.setTls({ certPem: genuine.certPem, keyPem: impostor.keyPem })).rejects.toMatchObject({ code: 'E_EMULATOR_CONFIG' })
    // still serving the genuine certificate
    expect((await fetchRaw(`${emu.url}/v1/check`, { dispatcher: trusting() })).status).toBe(200)
  })
})
