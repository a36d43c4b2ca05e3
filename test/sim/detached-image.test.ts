// The device's checks of a staged detached update, without a network: what they refuse on their
// own, and that only a device in mode detached takes the form at all.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDetached, type DetachedBundle } from '../../fixtures/detached.ts'
import { generateSigningKey, signBytes, type SigningKey } from '../../fixtures/keys.ts'
import { stagedParts, verifyDetachedManifest, verifyStaged } from '../../sim/detached-image.ts'
import { parseDetachedOffer } from '../../sim/protocols/detached.ts'

describe('verifying a staged detached update', () => {
  let dir: string
  let key: SigningKey
  let bundle: DetachedBundle
  const policy = () => ({ trustedKeys: [key.publicKey], hardwareId: 'hw1', minVersionCounter: 100 })

  /** Stages the bundle as the update client does: manifest, `.sig` and `.payload` beside it. */
  async function stage(name: string, without?: 'payload'): Promise<string> {
    const path = join(dir, `${name}.img`)
    const parts = stagedParts(path)
    await copyFile(bundle.path, path)
    await copyFile(bundle.parts.signature.path, parts.signature)
    if (without !== 'payload') await copyFile(bundle.parts.payload.path, parts.payload)
    return path
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts701-detached-'))
    key = generateSigningKey('ecdsa-p256-sha256')
    bundle = await buildDetached({
      name: 'b',
      version: '1.1.0',
      versionCounter: 110,
      hardwareId: 'hw1',
      key,
      payload: Buffer.alloc(1000, 7),
      dir,
    })
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('passes a whole bundle in mode detached, and reads the same files as a ts701 image elsewhere', async () => {
    const path = await stage('whole')
    const verdict = await verifyStaged(path, policy(), true)
    expect(verdict).toMatchObject({ ok: true, manifest: { version: '1.1.0', versionCounter: 110, payloadLength: 1000 } })
    expect(await verifyStaged(path, policy(), false)).toMatchObject({ ok: false, code: 'format' })
  })

  it('refuses a staged manifest whose payload is missing, and one whose payload is longer', async () => {
    expect(await verifyStaged(await stage('bare', 'payload'), policy(), true)).toMatchObject({ ok: false, code: 'length' })
    const longer = await stage('longer')
    await writeFile(stagedParts(longer).payload, Buffer.alloc(1001, 7))
    expect(await verifyStaged(longer, policy(), true)).toMatchObject({ ok: false, code: 'length' })
  })

  it('refuses a manifest that is not the reference shape, even when validly signed', () => {
    const bytes = Buffer.from(JSON.stringify({ version: '1.1.0', versionCounter: 110, hardwareId: 'hw1', keyId: key.keyId }))
    const verdict = verifyDetachedManifest(bytes, signBytes(key, bytes), policy())
    expect(verdict).toMatchObject({ ok: false, code: 'format' })
    expect(verifyDetachedManifest(Buffer.from('not json'), Buffer.alloc(0), policy())).toMatchObject({ ok: false, code: 'format' })
  })

  it('takes an offer only with all three URLs and an ID', () => {
    const offer = { id: 7, version: '1.1.0', manifest: '/m', signature: '/s', payload: '/p' }
    expect(parseDetachedOffer(offer)).toMatchObject({ deployment: '7', url: '/m', parts: { signature: '/s', payload: '/p' } })
    expect(() => parseDetachedOffer({ ...offer, payload: '' })).toThrow(/"payload" missing/)
    expect(() => parseDetachedOffer({ ...offer, id: undefined })).toThrow(/"id" missing/)
  })
})
