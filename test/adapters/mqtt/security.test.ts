import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import forge from 'node-forge'
import { describe, expect, it } from 'vitest'
import { createCa, issueServerCert, type Pki } from '../../../fixtures/certs.ts'
import type { MqttOperationMap } from '../../../adapters/mqtt/profile.ts'
import { mosquittoPasswd, startMosquitto } from '../../brokers.ts'
import { rejection, tempDir } from '../http/helpers.ts'
import { broker, dutFor, fakeDevice, namespace, profile } from './helpers.ts'

const identify = (ns: string): NonNullable<MqttOperationMap['identify']> => ({
  publish: { topic: `${ns}/cmd/info`, payload: '{{requestId}}' },
  reply: { topic: `${ns}/info` },
  extract: { model: { pointer: '/model' }, version: { pointer: '/version' } },
})

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`
const passwd = mosquittoPasswd()

describe('credentials (mosquitto with a password file)', () => {
  // The one test that needs mosquitto_passwd, which comes with the mosquitto package, to make the file.
  it.skipIf(!passwd)(
    `connects with username and the password from the environment, which no evidence shows${passwd ? '' : ' (skipped: mosquitto_passwd is not installed)'}`,
    async () => {
      const b = await broker(() =>
        startMosquitto({
          passwordFile: [
            { username: 'lab', password: PASSWORD },
            { username: 'device', password: 'device-pw' },
          ],
        }),
      )
      const ns = namespace()
      // The device echoes the password it was sent: even then it must not reach the evidence.
      await fakeDevice(
        b.url,
        {
          [`${ns}/cmd/info`]: (m, d) => d.publish(`${ns}/info`, { model: 'M', version: '1', echo: m.text }),
        },
        { username: 'device', password: 'device-pw' },
      )
      const { dut, entries } = dutFor(
        profile(
          b.url,
          {
            identify: { ...identify(ns), publish: { topic: `${ns}/cmd/info`, payload: `login ${PASSWORD}` } },
          },
          { auth: { username: 'lab', passwordEnv: 'TS701_TEST_MQTT_PASSWORD' } },
        ),
        { TS701_TEST_MQTT_PASSWORD: PASSWORD },
      )
      expect(await dut.identify()).toEqual({ model: 'M', version: '1' })
      const text = JSON.stringify(entries())
      expect(text).not.toContain(PASSWORD)
      expect(text).toContain('login ***')
      // Nor does it reach the report through a value the adapter returns.
      const { dut: echoing } = dutFor(
        profile(
          b.url,
          {
            identify: {
              ...identify(ns),
              publish: { topic: `${ns}/cmd/info`, payload: `login ${PASSWORD}` },
              extract: { model: { pointer: '/echo' }, version: { pointer: '/version' } },
            },
          },
          { auth: { username: 'lab', passwordEnv: 'TS701_TEST_MQTT_PASSWORD' } },
        ),
        { TS701_TEST_MQTT_PASSWORD: PASSWORD },
      )
      expect(await echoing.identify()).toEqual({ model: 'login ***', version: '1' })
      expect(entries()[0]).toMatchObject({
        summary: expect.stringMatching(/^identify: connected to the broker at mqtt:\/\/127\.0\.0\.1:\d+ as ts701-[0-9a-f]+, user lab$/),
      })

      // A wrong password is refused credentials, and the message does not show it either.
      const { dut: wrong, entries: wrongEntries } = dutFor(
        profile(b.url, { identify: identify(ns) }, { auth: { username: 'lab', passwordEnv: 'PW' } }),
        { PW: 'wrong-password' },
      )
      const err = await rejection(wrong.identify())
      expect(err.code).toBe('E_DUT_REFUSED')
      expect(err.message).toMatch(
        /^identify: the broker at mqtt:\/\/127\.0\.0\.1:\d+ refused the connection \((not authorized|bad user name or password); check adapter\.auth and the password\)$/,
      )
      expect(JSON.stringify(wrongEntries())).not.toContain('wrong-password')
    },
  )

  it('a password variable that is not set is E_DUT_REFUSED naming it, before any connection', async () => {
    const { dut, entries } = dutFor(
      profile('mqtt://127.0.0.1:1', { identify: identify('x') }, { auth: { username: 'lab', passwordEnv: 'TS701_UNSET_MQTT_PW' } }),
      {},
    )
    const err = await rejection(dut.identify())
    expect(err.code).toBe('E_DUT_REFUSED')
    expect(err.message).toBe(
      'identify: credentials missing: set the environment variable TS701_UNSET_MQTT_PW (named by adapter.auth.passwordEnv)',
    )
    expect(entries()).toEqual([])
  })
})

describe('mqtts:// (mosquitto with a CA made here)', () => {
  it('verifies the broker against the CA and presents a client certificate', async () => {
    const dir = await tempDir()
    const ca = await createCa('ts701 test MQTT CA')
    const server = await issueServerCert(ca, { hosts: ['127.0.0.1', 'broker.test'] })
    const client = issueClientCert(ca, 'ts701-lab')
    const device = issueClientCert(ca, 'device')
    const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'lab.pem'), key: join(dir, 'lab.key') }
    await writeFile(files.ca, ca.certPem)
    await writeFile(files.cert, client.certPem)
    await writeFile(files.key, client.keyPem)
    const b = await broker(() => startMosquitto({ tls: { ...server, caPem: ca.certPem, requireClientCert: true } }))
    expect(b.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/)
    const ns = namespace()
    await fakeDevice(
      b.url,
      { [`${ns}/cmd/info`]: (_, d) => d.publish(`${ns}/info`, { model: 'TLS', version: '1' }) },
      { ca: ca.certPem, cert: device.certPem, key: device.keyPem },
    )

    const { dut } = dutFor(
      profile(b.url, { identify: identify(ns) }, { tls: { caFile: files.ca, certFile: files.cert, keyFile: files.key } }),
    )
    expect(await dut.identify()).toEqual({ model: 'TLS', version: '1' })
    // The certificate names broker.test too; the name checked can be set.
    const { dut: named } = dutFor(
      profile(
        b.url.replace('127.0.0.1', 'localhost'),
        { identify: identify(ns) },
        {
          tls: { caFile: files.ca, certFile: files.cert, keyFile: files.key, serverName: 'broker.test' },
        },
      ),
    )
    expect(await named.identify()).toEqual({ model: 'TLS', version: '1' })

    // A broker the CA did not sign is a TLS failure that points at adapter.tls.
    const other = await createCa('some other CA')
    await writeFile(join(dir, 'other.pem'), other.certPem)
    const { dut: untrusting } = dutFor(
      profile(b.url, { identify: identify(ns) }, { tls: { caFile: join(dir, 'other.pem'), certFile: files.cert, keyFile: files.key } }),
    )
    const err = await rejection(untrusting.identify())
    expect(err.code).toBe('E_DUT_PROTOCOL')
    expect(err.message).toMatch(/^identify: TLS with the broker at mqtts:\/\/127\.0\.0\.1:\d+ failed \(.+\); check adapter\.tls$/)

    // Without the client certificate the broker does not let the lab in.
    const { dut: anonymous } = dutFor(profile(b.url, { identify: identify(ns) }, { tls: { caFile: files.ca } }))
    const noCert = await rejection(anonymous.identify())
    expect(noCert.code).toBe('E_DUT_PROTOCOL')
    expect(noCert.message).toMatch(
      /^identify: TLS with the broker at mqtts:\/\/127\.0\.0\.1:\d+ failed \(tlsv13 alert certificate required\); the broker wants a client certificate: set adapter\.tls\.certFile and keyFile$/,
    )

    // A CA file that cannot be read is said as such.
    const { dut: missing } = dutFor(profile(b.url, { identify: identify(ns) }, { tls: { caFile: join(dir, 'nope.pem') } }))
    const unreadable = await rejection(missing.identify())
    expect(unreadable.code).toBe('E_DUT_UNREACHABLE')
    expect(unreadable.message).toMatch(/^identify: cannot read adapter\.tls\.caFile \(ENOENT/)
  })
})

describe('ws:// (mosquitto websockets listener)', () => {
  it('drives the device over MQTT on a WebSocket', async () => {
    const b = await broker(() => startMosquitto({ websockets: true }))
    expect(b.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    const ns = namespace()
    // The device is on the plain listener: both reach the same broker.
    await fakeDevice(b.url, { [`${ns}/cmd/info`]: (m, d) => d.publish(`${ns}/info`, { model: 'WS', version: m.text.length }) })
    const { dut, entries } = dutFor(profile(b.wsUrl!, { identify: identify(ns) }))
    expect(await dut.identify()).toEqual({ model: 'WS', version: '16' })
    expect(entries()[0]!.summary).toContain(`connected to the broker at ${b.wsUrl}`)
  })
})

/** A TLS client certificate (clientAuth) issued by `ca`. */
function issueClientCert(ca: Pki, commonName: string): Pki {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  const caCert = forge.pki.certificateFromPem(ca.certPem)
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 86_400_000)
  cert.setSubject([{ name: 'commonName', value: commonName }])
  cert.setIssuer(caCert.subject.attributes)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ])
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey }
}
