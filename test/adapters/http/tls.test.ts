import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:https'
import { join } from 'node:path'
import forge from 'node-forge'
import { beforeAll, describe, expect, it } from 'vitest'
import type { OperationMap } from '../../../adapters/http/profile.ts'
import { dutFor, json, listen, profile, rejection, tempDir } from './helpers.ts'

/** A self-signed certificate for the given names, which the test's CA file then trusts directly. */
function selfSigned(altNames: Array<{ type: 2; value: string } | { type: 7; ip: string }>): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  cert.serialNumber = '01'
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 86_400_000)
  const subject = [{ name: 'commonName', value: 'ts701 test device' }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames },
  ])
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey }
}

const ops: OperationMap = {
  identify: { request: { method: 'GET', path: '/api/info' }, extract: { model: { pointer: '/model' }, version: { pointer: '/version' } } },
}

describe('TLS (adapter.tls)', () => {
  let byIp: { certPem: string; keyPem: string }
  let byName: { certPem: string; keyPem: string }
  beforeAll(() => {
    byIp = selfSigned([{ type: 7, ip: '127.0.0.1' }])
    byName = selfSigned([{ type: 2, value: 'dut.local' }])
  })

  async function httpsDevice(pki: { certPem: string; keyPem: string }) {
    const server = createServer({ cert: pki.certPem, key: pki.keyPem }, (_, res) => json(res, 200, { model: 'M', version: '1' }))
    const port = await listen(server)
    const dir = await tempDir()
    const caFile = join(dir, 'ca.pem')
    await writeFile(caFile, pki.certPem)
    return {
      url: `https://127.0.0.1:${port}`,
      caFile,
      close: () => {
        server.closeAllConnections()
        server.close()
      },
    }
  }

  it.each([false, true])('trusts the device certificate from caFile (lenient %s)', async (lenient) => {
    const device = await httpsDevice(byIp)
    try {
      const { dut } = dutFor(profile(device.url, ops, { lenient, tls: { caFile: device.caFile } }))
      expect(await dut.identify()).toEqual({ model: 'M', version: '1' })
    } finally {
      device.close()
    }
  })

  it('verifies against serverName when the certificate names the device, not its address', async () => {
    const device = await httpsDevice(byName)
    try {
      const { dut } = dutFor(profile(device.url, ops, { tls: { caFile: device.caFile, serverName: 'dut.local' } }))
      expect(await dut.identify()).toEqual({ model: 'M', version: '1' })
    } finally {
      device.close()
    }
  })

  it('an untrusted certificate is a protocol error pointing at adapter.tls; insecureSkipVerify accepts it', async () => {
    const device = await httpsDevice(byIp)
    try {
      const err = await rejection(dutFor(profile(device.url, ops)).dut.identify())
      expect(err.code).toBe('E_DUT_PROTOCOL')
      expect(err.message).toMatch(/^identify: TLS with https:\/\/127\.0\.0\.1:\d+ failed \(.+\); check adapter\.tls$/)
      const { dut } = dutFor(profile(device.url, ops, { tls: { insecureSkipVerify: true } }))
      expect(await dut.identify()).toEqual({ model: 'M', version: '1' })
    } finally {
      device.close()
    }
  })

  it('an unreadable CA file fails every operation with the reason', async () => {
    const { dut } = dutFor(profile('https://127.0.0.1:1', ops, { tls: { caFile: '/nonexistent/ca.pem' } }))
    const err = await rejection(dut.identify())
    expect(err.message).toMatch(/^identify: cannot read adapter\.tls\.caFile \(ENOENT/)
  })
})
