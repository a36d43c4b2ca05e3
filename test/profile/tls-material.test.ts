/**
 * Certificates, keys and images a DUT profile names are loaded by `lint --dut` and by the run's
 * preparation, before any device step: a certificate that does not load is the lab's finding at
 * its field, not a failed handshake blamed on the device halfway through a run.
 */
import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createCa, issueServerCert, type Pki } from '../../fixtures/certs.ts'
import { prepareLab } from '../../harness/lab.ts'
import { InvalidAssessmentError } from '../../ixit/errors.ts'
import { ts701InProcess } from '../cli/helpers.ts'
import { REFERENCE, tempAssessment } from '../ixit/helpers.ts'

const PROFILE = `name: x
adapter: { kind: none }
observe:
  version: { from: probe, command: { argv: [echo, '1.0'] } }
updateServer:
  host: 127.0.0.1
  port: 8443
  tls: { certFile: tls/server.pem, keyFile: tls/server.key, caCertFile: tls/ca.pem, caKeyFile: tls/ca.key }
  routes: []
images:
  format: raw
  valid: { file: images/valid.bin, version: '1.0' }
`

let ca: Pki
let server: Pki

beforeAll(async () => {
  ca = await createCa('ts701 test CA')
  server = await issueServerCert(ca, { hosts: ['127.0.0.1'] })
}, 60_000)

async function lab(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempAssessment({
    'dut.yaml': PROFILE,
    'tls/server.pem': server.certPem,
    'tls/server.key': server.keyPem,
    'tls/ca.pem': ca.certPem,
    'tls/ca.key': ca.keyPem,
    'images/valid.bin': 'a raw image',
    ...files,
  })
  return join(dir, 'dut.yaml')
}

async function lint(file: string) {
  const r = await ts701InProcess(['lint', REFERENCE, '--dut', file])
  return { ...r, lines: r.stderr.split('\n') }
}

describe('TLS material and images, loaded before any device step', () => {
  it('accepts a certificate, its key, the CA and its key that belong together', async () => {
    const r = await lint(await lab())
    expect(r.stderr).not.toMatch(/error/)
    expect(r.code).toBe(0)
  })

  it('refuses a certificate file that is no certificate, at its field', async () => {
    const file = await lab({ 'tls/server.pem': 'this is not a certificate\n' })
    const r = await lint(file)
    expect(r.code).toBe(3)
    expect(r.lines[0]).toMatch(
      new RegExp(`^${file}:8:20: error: /updateServer/tls/certFile: file "tls/server.pem" is not an X.509 certificate \\(PEM or DER\\): `),
    )
  })

  it('refuses a key that does not parse, and one that is not the key of its certificate', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const mismatched = await lint(await lab({ 'tls/server.key': other }))
    expect(mismatched.code).toBe(3)
    expect(mismatched.lines[0]).toMatch(
      /:8:45: error: \/updateServer\/tls\/keyFile: file "tls\/server.key" is not the private key of the certificate in certFile/,
    )
    const garbled = await lint(await lab({ 'tls/server.key': server.keyPem.slice(0, 60) }))
    expect(garbled.code).toBe(3)
    expect(garbled.lines[0]).toMatch(/error: \/updateServer\/tls\/keyFile: file "tls\/server.key" is not a private key ts701 can load/)
  })

  it('only warns about a CA key it cannot sign with: that leaves the impostor units INCONCLUSIVE, as documented', async () => {
    const r = await lint(await lab({ 'tls/ca.key': server.keyPem }))
    expect(r.code).toBe(0)
    expect(r.lines[0]).toMatch(
      /warning: \/updateServer\/tls\/caKeyFile: file "tls\/ca.key" is not the private key of the certificate in caCertFile: .*INCONCLUSIVE$/,
    )
  })

  it('refuses an empty image, naming the file and the field', async () => {
    const file = await lab({ 'images/valid.bin': '' })
    const r = await lint(file)
    expect(r.code).toBe(3)
    expect(r.lines[0]).toBe(`${file}:12:18: error: /images/valid/file: file "images/valid.bin" is empty`)
  })

  it('stops the run in its preparation, before the emulator or the device is touched', async () => {
    const file = await lab({ 'tls/ca.pem': server.keyPem })
    const out = join(file, '..', 'out')
    const error = await prepareLab(file, out, {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidAssessmentError)
    expect((error as InvalidAssessmentError).findings).toMatchObject([
      { code: 'bad-certificate', pointer: '/updateServer/tls/caCertFile', message: expect.stringContaining('holds no PEM block') },
    ])
  })

  it('names the file and the field when the valid image is not of its format', async () => {
    const file = await lab({ 'images/valid.bin': 'not a ts701 image at all' })
    await writeFile(file, PROFILE.replace('format: raw', 'format: ts701'))
    const error = await prepareLab(file, join(file, '..', 'out'), {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidAssessmentError)
    expect((error as InvalidAssessmentError).findings).toMatchObject([
      {
        code: 'bad-image',
        pointer: '/images/valid/file',
        line: 12,
        message: expect.stringMatching(/valid\.bin" is not a usable ts701 image: /),
      },
    ])
  })
})
