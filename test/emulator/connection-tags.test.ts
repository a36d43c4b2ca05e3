// Every TLS connection is tagged with the certificate it was accepted under; a certificate swap
// closes the connections made before it, so nothing they carry can pass for the new certificate.
import { connect as tcpConnect, type Socket } from 'node:net'
import { connect, type TLSSocket } from 'node:tls'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { certificateFingerprint } from '../../emulator/tls.ts'
import { createCa, issueServerCert, type Pki } from '../../fixtures/certs.ts'
import type { EmulatorRoute } from '../../profile/types.ts'
import { agent, fetchRaw, settledHits, startEmulator } from './helpers.ts'

const routes: EmulatorRoute[] = [{ name: 'check', method: 'GET', path: '/v1/check', status: 200, body: '{"update":false}' }]

let genuine: Pki
let impostor: Pki

beforeAll(async () => {
  const ca = await createCa('ts701 test update CA')
  genuine = await issueServerCert(ca, { hosts: ['127.0.0.1'] })
  impostor = await issueServerCert(await createCa('ts701 test update CA'), { hosts: ['127.0.0.1'] })
})

/** Trusts anything, as a flawed device does: the emulator's tags must not depend on the client. */
const trustingAll = () => agent({ connect: { rejectUnauthorized: false } })

function tlsConnect(url: string): Promise<TLSSocket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port), rejectUnauthorized: false, minVersion: 'TLSv1.3' }, () => resolve(s))
    s.once('error', reject)
  })
}

function tcp(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = tcpConnect(Number(port), hostname, () => resolve(s))
    s.once('error', reject)
  })
}

const closed = (s: Socket): Promise<void> => new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())))

describe('connection tags and certificate swaps', () => {
  it('tags each request with the certificate presented on its connection', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    const since = Date.now()
    expect((await fetchRaw(`${emu.url}/v1/check`, { dispatcher: trustingAll() })).status).toBe(200)
    const [hit] = await settledHits(emu, 1)
    expect(hit!.tls).toMatchObject({ connection: 1, generation: 0, certificateSha256: certificateFingerprint(genuine.certPem) })
    expect(hit!.tls!.acceptedAt).toBeGreaterThanOrEqual(since)
    expect(hit!.tls!.acceptedAt).toBeLessThanOrEqual(hit!.time)
  })

  it('closes a keep-alive connection at the swap: the next request comes on a new connection under the new certificate', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    const client = trustingAll()
    expect((await fetchRaw(`${emu.url}/v1/check`, { dispatcher: client })).status).toBe(200)
    await emu.setTls(impostor)
    expect((await fetchRaw(`${emu.url}/v1/check`, { dispatcher: client })).status).toBe(200)
    const hits = await settledHits(emu, 2)
    expect(hits.map((h) => [h.tls?.connection, h.tls?.generation, h.tls?.certificateSha256])).toEqual([
      [1, 0, certificateFingerprint(genuine.certPem)],
      [2, 1, certificateFingerprint(impostor.certPem)],
    ])
    // The kept-alive connection carried no request under the new certificate, so no refusal either.
    expect(emu.handshakeFailures()).toEqual([])
  })

  it('cuts a request in flight at the swap and has it recorded, under the old certificate, before setTls resolves', async () => {
    const emu = await startEmulator(routes, { tls: genuine })
    const socket = await tlsConnect(emu.url)
    socket.on('error', () => {})
    // Headers complete, body not: the request is in flight.
    socket.write('POST /v1/report HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"state":')
    await new Promise((r) => setTimeout(r, 100))
    expect(emu.hits()).toEqual([])
    await emu.setTls(impostor)
    expect(emu.hits()).toEqual([
      expect.objectContaining({
        path: '/v1/report',
        completed: false,
        tls: expect.objectContaining({ generation: 0, certificateSha256: certificateFingerprint(genuine.certPem) }),
      }),
    ])
    await closed(socket)
  })

  it('records a TLS 1.3 connection held open without a request, and a connection that never started its handshake, at the swap', async () => {
    const emu = await startEmulator(routes, { tls: impostor })
    const held = await tlsConnect(emu.url)
    held.on('error', () => {})
    const silent = await tcp(emu.url)
    silent.on('error', () => {})
    await vi.waitFor(() => expect(held.getPeerCertificate().raw).toBeDefined())
    await new Promise((r) => setTimeout(r, 100))
    expect(emu.handshakeFailures()).toEqual([])
    await emu.setTls(genuine)
    const fingerprint = certificateFingerprint(impostor.certPem)
    expect(emu.handshakeFailures()).toEqual([
      expect.objectContaining({
        stage: 'held-open',
        connection: 1,
        certificateSha256: fingerprint,
        error: expect.stringMatching(/^completed the TLS handshake and sent no request in \d+ ms; closed at the certificate swap$/),
      }),
      expect.objectContaining({
        stage: 'handshake',
        connection: 2,
        certificateSha256: fingerprint,
        error: expect.stringMatching(/^no TLS handshake completed in \d+ ms; closed at the certificate swap$/),
      }),
    ])
    await Promise.all([closed(held), closed(silent)])
    // Once on record, the aftermath of our own close is not recorded again.
    await new Promise((r) => setTimeout(r, 50))
    expect(emu.handshakeFailures()).toHaveLength(2)
  })

  it('records a TLS connection that stays silent past idleMs as held open', async () => {
    const emu = await startEmulator(routes, { tls: impostor, timeouts: { idleMs: 300 } })
    const held = await tlsConnect(emu.url)
    held.on('error', () => {})
    await closed(held)
    expect(emu.handshakeFailures()).toEqual([
      expect.objectContaining({ stage: 'held-open', certificateSha256: certificateFingerprint(impostor.certPem) }),
    ])
    expect(emu.clientErrors()).toEqual([])
  })
})
