import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { UpdMech, UpdMechFacts } from '../../ixit/types.ts'
import { createAjv, readSchema } from '../../ixit/schemas.ts'
import { suggestFacts, type SuggestedFact, type UpdMechTextField } from '../../proforma/suggest.ts'
import { collapse, splitSentences } from '../../proforma/suggest/text.ts'

type Prose = Partial<Pick<UpdMech, UpdMechTextField>>

/** Every prose input the tests feed in, so the schema and verbatim checks cover all of them. */
const seen: Prose[] = []

function suggest(text: Prose): SuggestedFact[] {
  seen.push(text)
  return suggestFacts(text)
}

/** The suggestion for one fact, or undefined. */
function one<K extends SuggestedFact['fact']>(text: Prose, fact: K): Extract<SuggestedFact, { fact: K }> | undefined {
  return suggest(text).find((s): s is Extract<SuggestedFact, { fact: K }> => s.fact === fact)
}

const valueOf = <K extends SuggestedFact['fact']>(text: Prose, fact: K) => one(text, fact)?.value

function loadMechanisms(example: string): UpdMech[] {
  const doc = parse(readFileSync(`examples/${example}/ixit.yaml`, 'utf8')) as { '7-UpdMech': UpdMech[] }
  return doc['7-UpdMech']
}

const PROSE_FIELDS: readonly UpdMechTextField[] = [
  'description',
  'securityGuarantees',
  'cryptographicDetails',
  'initiationAndInteraction',
  'configuration',
  'updateChecking',
  'userNotification',
]
const proseOf = (m: UpdMech): Prose => Object.fromEntries(PROSE_FIELDS.map((f) => [f, m[f]]))

describe('sentence splitting', () => {
  it('keeps abbreviations, version numbers, decimals and curve names inside one sentence', () => {
    const text =
      'The client, e.g. version 1.2.3 or later, verifies ECDSA P-256 signatures (approx. 3.5 ms per image).\n' +
      'It checks i.e. once a day, cf. "Check now" in the UI.   Anti-rollback\n   is enforced. The UI says "Done." Then it reboots!'
    expect(splitSentences(text)).toEqual([
      'The client, e.g. version 1.2.3 or later, verifies ECDSA P-256 signatures (approx. 3.5 ms per image).',
      'It checks i.e. once a day, cf. "Check now" in the UI.',
      'Anti-rollback is enforced.',
      'The UI says "Done."',
      'Then it reboots!',
    ])
  })

  it('does not break before a lower-case word or an upper-case word after e.g.', () => {
    expect(splitSentences('Keys of approx. 256 bits, e.g. P-256. Signed with SHA-256, i.e. SHA2-256 etc. and more. Next one.')).toEqual([
      'Keys of approx. 256 bits, e.g. P-256.',
      'Signed with SHA-256, i.e. SHA2-256 etc. and more.',
      'Next one.',
    ])
  })

  it('quotes the whole sentence, collapsed, when it contains e.g., a version and a decimal', () => {
    const s = one(
      {
        cryptographicDetails:
          'Firmware 1.2.3 images, e.g. the main\n  image, carry an ECDSA signature over P-256 with SHA-256 (approx. 72 bytes). Nothing else.',
      },
      'signature',
    )
    expect(s).toEqual({
      fact: 'signature',
      value: { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256', curve: 'P-256' },
      quote: 'Firmware 1.2.3 images, e.g. the main image, carry an ECDSA signature over P-256 with SHA-256 (approx. 72 bytes).',
      field: 'cryptographicDetails',
    })
  })
})

describe('signature', () => {
  it.each([
    [
      'Images are signed with ECDSA using the P-256 curve and SHA-256.',
      { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256', curve: 'P-256' },
    ],
    [
      'The bootloader verifies an ECDSA secp384r1 signature (SHA-384).',
      { algorithm: 'ECDSA', keySize: 384, hash: 'SHA-384', curve: 'P-384' },
    ],
    ['Signature: ECDSA with prime256v1 and SHA2-256.', { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256', curve: 'P-256' }],
    ['Signature algorithm: ECDSA P-521 with SHA-512.', { algorithm: 'ECDSA', keySize: 521, hash: 'SHA-512', curve: 'P-521' }],
    [
      'Each image carries an Ed25519 signature over its SHA-512 digest.',
      { algorithm: 'EdDSA', keySize: 256, hash: 'SHA-512', curve: 'Ed25519' },
    ],
    ['Images are signed with EdDSA (Ed25519) and SHA-512.', { algorithm: 'EdDSA', keySize: 256, hash: 'SHA-512', curve: 'Ed25519' }],
    ['Images are signed using RSASSA-PSS with 3072 bit keys and SHA-256.', { algorithm: 'RSA-PSS', keySize: 3072, hash: 'SHA-256' }],
    ['The image signature is RSA-PSS, 2048-bit, SHA256.', { algorithm: 'RSA-PSS', keySize: 2048, hash: 'SHA-256' }],
    [
      'The firmware is signed with RSA-4096 using PKCS#1 v1.5 padding and SHA-512.',
      { algorithm: 'RSA-PKCS1-v1_5', keySize: 4096, hash: 'SHA-512' },
    ],
    ['Signed with RSASSA-PKCS1-v1_5 (2048-bit key) and SHA-1.', { algorithm: 'RSA-PKCS1-v1_5', keySize: 2048, hash: 'SHA-1' }],
    ['DSA signatures with 2048-bit keys and SHA-224 protect each image.', { algorithm: 'DSA', keySize: 2048, hash: 'SHA-224' }],
    ['Images are signed with 3072-bit RSA-PSS over a SHA3-256 hash.', { algorithm: 'RSA-PSS', keySize: 3072, hash: 'SHA3-256' }],
    ['Images are signed with a 2048-bit RSA key using PSS padding and SHA-256.', { algorithm: 'RSA-PSS', keySize: 2048, hash: 'SHA-256' }],
    ['Signature: ECDSA-P256-SHA256.', { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256', curve: 'P-256' }],
    [
      'The device verifies ECDSA brainpoolP384r1 signatures with SHA-384.',
      { algorithm: 'ECDSA', keySize: 384, hash: 'SHA-384', curve: 'brainpoolP384r1' },
    ],
    ['Images are signed with ECDSA P-256 and MD5.', { algorithm: 'ECDSA', keySize: 256, hash: 'MD5', curve: 'P-256' }],
  ])('%s', (cryptographicDetails, value) => {
    expect(valueOf({ cryptographicDetails }, 'signature')).toEqual(value)
  })

  it('takes a missing hash from another sentence about the signature and quotes both', () => {
    const s = one(
      { cryptographicDetails: 'Updates are signed with ECDSA P-256. The key pair lives in an HSM. The signature digest is SHA-384.' },
      'signature',
    )
    expect(s?.value).toEqual({ algorithm: 'ECDSA', keySize: 256, hash: 'SHA-384', curve: 'P-256' })
    expect(s?.quote).toBe('Updates are signed with ECDSA P-256. The signature digest is SHA-384.')
  })

  it('takes the algorithm the device verifies, not what the signing service also supports', () => {
    expect(
      valueOf(
        {
          cryptographicDetails:
            'The build server signs with RSA-PSS 2048 and SHA-256 as a fallback; the device verifies only ECDSA P-256 signatures with SHA-384.',
        },
        'signature',
      ),
    ).toEqual({ algorithm: 'ECDSA', keySize: 256, hash: 'SHA-384', curve: 'P-256' })
    expect(
      valueOf({ cryptographicDetails: 'Images are signed with ECDSA P-256 and SHA-256 and alternatively with RSA-PSS 3072.' }, 'signature'),
    ).toEqual({
      algorithm: 'ECDSA',
      keySize: 256,
      hash: 'SHA-256',
      curve: 'P-256',
    })
  })

  it('takes the first stated image signature when two are named without a hint', () => {
    expect(
      valueOf({ cryptographicDetails: 'Images are signed with RSA-PSS 3072 with SHA-256 or ECDSA P-256 with SHA-384.' }, 'signature'),
    ).toEqual({
      algorithm: 'RSA-PSS',
      keySize: 3072,
      hash: 'SHA-256',
    })
  })

  it('reads the reference DUT wording as ECDSA/256/SHA-256/P-256', () => {
    const cryptographicDetails =
      "Image signature: ECDSA over NIST P-256 with SHA-256 on the ts701 image (header, manifest and payload). The supplier's signing service also supports RSA-PSS with 3072-bit keys and SHA-256; the device accepts a signature only from keys whose public key is in its trust store."
    expect(one({ cryptographicDetails }, 'signature')).toEqual({
      fact: 'signature',
      value: { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256', curve: 'P-256' },
      quote: 'Image signature: ECDSA over NIST P-256 with SHA-256 on the ts701 image (header, manifest and payload).',
      field: 'cryptographicDetails',
    })
  })

  it.each([
    ['plain RSA: the padding is not guessed', 'Images are signed with RSA-2048 and SHA-256.'],
    ['CMS with RSA keys: the padding is not guessed', 'CMS (PKCS#7) signature over the bundle with RSA 3072-bit keys and SHA-256.'],
    ['no key size', 'Images are signed with ECDSA and SHA-256.'],
    ['no hash', 'Images are signed with ECDSA P-256.'],
    ['Ed25519 without a hash named', 'Ed25519 signatures protect each image.'],
    ['only what the signing service also supports', 'The signing service also supports RSA-PSS with 3072-bit keys and SHA-256.'],
    ['a TLS certificate, not the image', 'The TLS server certificate uses ECDSA P-256 with SHA-256.'],
    ['two hashes for one signature', 'Images are signed with ECDSA P-256 using SHA-256 or SHA-384.'],
    ['a curve that contradicts the key size', 'Images are signed with ECDSA P-256 with 384-bit keys and SHA-256.'],
    ['SHA-512/256 is not in the enum', 'Images are signed with ECDSA P-256 and SHA-512/256.'],
  ])('suggests nothing for %s', (_why, cryptographicDetails) => {
    expect(one({ cryptographicDetails }, 'signature')).toBeUndefined()
  })

  it('suggests nothing when two fields name different signatures', () => {
    expect(
      one(
        {
          cryptographicDetails: 'Images carry ECDSA P-256 signatures with SHA-256.',
          securityGuarantees: 'Each image carries an RSA-PSS 3072-bit signature with SHA-256 that the device verifies.',
        },
        'signature',
      ),
    ).toBeUndefined()
  })
})

describe('integrityProtection', () => {
  it.each([
    ['The device verifies the image signature before installing it.', 'signature'],
    ['Images are signed with ECDSA P-256 and SHA-256.', 'signature'],
    ['Each image carries an HMAC-SHA256 tag that the device checks with a per-device key.', 'mac'],
    ['A message authentication code protects every image.', 'mac'],
    ['The SHA-256 digest of the image is compared with the value in the manifest.', 'hash'],
    ['Images are not signed; the device compares the SHA-256 hash with the one on the download page.', 'hash'],
    ['The image is not signed, only its SHA-256 hash is compared with the manifest.', 'hash'],
    ['Firmware images are unsigned and carry a CRC-16 for transfer errors.', 'checksum'],
    ['The image is protected by a CRC32 checksum.', 'checksum'],
    ['A checksum guards against transfer errors.', 'checksum'],
  ])('%s -> %s', (securityGuarantees, expected) => {
    expect(valueOf({ securityGuarantees }, 'integrityProtection')).toBe(expected)
  })

  it('takes the strongest protection across fields and quotes its sentence', () => {
    expect(
      one(
        {
          description: 'A CRC32 checksum detects transfer errors.',
          cryptographicDetails: 'The bootloader verifies an ECDSA P-256 signature.',
        },
        'integrityProtection',
      ),
    ).toEqual({
      fact: 'integrityProtection',
      value: 'signature',
      quote: 'The bootloader verifies an ECDSA P-256 signature.',
      field: 'cryptographicDetails',
    })
  })

  it.each([
    ['unclear wording', 'The image is protected.'],
    ['a MAC inside the TLS channel only', 'The channel is protected by TLS with HMAC-based cipher suites.'],
    ['a signature claimed and denied', 'Images are signed and verified by the device. Older images are unsigned.'],
    ['a hash that is only listed, not compared', 'The manifest contains the SHA-256 of the payload.'],
  ])('suggests nothing for %s', (_why, securityGuarantees) => {
    expect(one({ securityGuarantees }, 'integrityProtection')).toBeUndefined()
  })
})

describe('transport', () => {
  it.each([
    [
      'Updates are downloaded over HTTPS with TLS 1.2 or later; the server certificate is pinned.',
      { protocol: 'HTTPS', minTlsVersion: '1.2', serverAuthenticated: true },
    ],
    [
      'The device fetches images via MQTTS (TLS 1.2/1.3) and verifies the broker certificate.',
      { protocol: 'MQTT over TLS', minTlsVersion: '1.2', serverAuthenticated: true },
    ],
    ['Images arrive by MQTT over TLS, at least TLS 1.3.', { protocol: 'MQTT over TLS', minTlsVersion: '1.3' }],
    ['The download uses HTTPS; TLS 1.2 and 1.3 are supported.', { protocol: 'HTTPS', minTlsVersion: '1.2' }],
    ['CoAP over DTLS carries the image.', { protocol: 'CoAP over DTLS' }],
    ['Images are uploaded over plain HTTP.', { protocol: 'HTTP' }],
    ['The updater connects over HTTPS and still supports SSLv3 for old servers.', { protocol: 'HTTPS', minTlsVersion: 'SSL3' }],
    [
      'Images come over a TLS connection (TLS ≥ 1.2) and the device authenticates the update server.',
      { protocol: 'TLS', minTlsVersion: '1.2', serverAuthenticated: true },
    ],
    ['Images are downloaded over HTTPS, but the server certificate is not verified.', { protocol: 'HTTPS', serverAuthenticated: false }],
    ['The client accepts self-signed certificates when downloading over HTTPS.', { protocol: 'HTTPS', serverAuthenticated: false }],
    ['Images are downloaded over HTTPS (TLS 1.2).', { protocol: 'HTTPS' }],
    ['TLS 1.0 and 1.1 are disabled; the device downloads over HTTPS.', { protocol: 'HTTPS' }],
    ['Downloads use HTTPS. The server certificate is pinned. Certificate validation is disabled in debug builds.', { protocol: 'HTTPS' }],
  ])('%s', (cryptographicDetails, value) => {
    expect(valueOf({ cryptographicDetails }, 'transport')).toEqual(value)
  })

  it('quotes every sentence the value needs', () => {
    expect(one({ description: 'Images are downloaded over HTTPS. The firmware pins the server certificate.' }, 'transport')).toEqual({
      fact: 'transport',
      value: { protocol: 'HTTPS', serverAuthenticated: true },
      quote: 'Images are downloaded over HTTPS. The firmware pins the server certificate.',
      field: 'description',
    })
  })

  it('prefers the field that says most when the fields agree', () => {
    expect(
      one(
        {
          description: 'The client asks the update server for a manifest over HTTPS.',
          securityGuarantees: 'It resists TLS interception.',
          cryptographicDetails:
            'Transport: HTTPS with TLS 1.2 minimum (TLS 1.3 preferred), server certificate validated against the pinned CA.',
        },
        'transport',
      ),
    ).toEqual({
      fact: 'transport',
      value: { protocol: 'HTTPS', minTlsVersion: '1.2', serverAuthenticated: true },
      quote: 'Transport: HTTPS with TLS 1.2 minimum (TLS 1.3 preferred), server certificate validated against the pinned CA.',
      field: 'cryptographicDetails',
    })
  })

  it.each([
    ['two unrelated protocols', { cryptographicDetails: 'Images come over HTTPS or via MQTT.' }],
    ['TLS named only as a threat', { securityGuarantees: 'It resists TLS interception.' }],
    ['no protocol named', { cryptographicDetails: 'The server certificate is pinned.' }],
    [
      'fields naming different protocols',
      { description: 'Images are downloaded over HTTPS.', cryptographicDetails: 'The upload is plain HTTP.' },
    ],
  ])('suggests nothing for %s', (_why, text) => {
    expect(one(text, 'transport')).toBeUndefined()
  })
})

describe('antiRollback', () => {
  it.each([
    'The bootloader enforces anti-rollback with a hardware counter.',
    'The device verifies the monotonic version counter.',
    'The device refuses older versions.',
    'Downgrade is rejected.',
    'Images older than the installed one are rejected.',
    'Rollback protection uses an eFuse counter.',
    'Downgrades are not possible.',
    'Releases older than the minimum version are refused.',
  ])('states protection: %s', (securityGuarantees) => {
    expect(valueOf({ securityGuarantees }, 'antiRollback')).toBe(true)
  })

  it.each([
    'There is no rollback protection.',
    'Older versions can be installed at any time.',
    'The device does not prevent downgrades.',
    'Downgrades are possible.',
    'Anti-rollback is not implemented.',
    'Images are accepted without anti-rollback checks.',
  ])('denies protection: %s', (securityGuarantees) => {
    expect(valueOf({ securityGuarantees }, 'antiRollback')).toBe(false)
  })

  it.each([
    'Anti-rollback is enforced, but downgrades are possible.',
    'If the new slot fails to boot, the device rolls back to the previous slot.',
    'The device refuses older versions. Older versions can be installed with a service tool.',
    'The manifest contains a version counter.',
    'A/B slots prevent bricking and keep the previous version.',
  ])('suggests nothing for: %s', (securityGuarantees) => {
    expect(one({ securityGuarantees }, 'antiRollback')).toBeUndefined()
  })
})

describe('checking', () => {
  it.each([
    ['The device checks for updates after every boot and then every 24 hours.', { by: 'dut', afterInitialization: true, period: 'P1D' }],
    ['On start-up and every 6 hours, the firmware polls the update server.', { by: 'dut', afterInitialization: true, period: 'PT6H' }],
    [
      'The hub checks for updates for the device when it starts and hourly thereafter.',
      { by: 'associated-service', afterInitialization: true, period: 'PT1H' },
    ],
    [
      'After power-on the client queries the update server; further checks follow every 90 minutes.',
      { by: 'dut', afterInitialization: true, period: 'PT90M' },
    ],
    ['The device checks for updates weekly and after each reboot.', { by: 'dut', afterInitialization: true, period: 'P7D' }],
    [
      'Every 12 h and right after initialization, the DUT checks for new firmware.',
      { by: 'dut', afterInitialization: true, period: 'PT12H' },
    ],
    ['Each device checks daily for updates, starting at boot.', { by: 'dut', afterInitialization: true, period: 'P1D' }],
    ['The device checks for updates once a day and after boot.', { by: 'dut', afterInitialization: true, period: 'P1D' }],
    [
      'The companion app checks for updates at start-up and every two hours.',
      { by: 'associated-service', afterInitialization: true, period: 'PT2H' },
    ],
    ['The device checks for updates only after boot.', { by: 'dut', afterInitialization: true }],
    [
      'The device does not check for updates itself; the user checks manually on the support page.',
      { by: 'user', afterInitialization: false },
    ],
    ['No automatic checks. The user checks for updates manually.', { by: 'user', afterInitialization: false }],
    ['The device checks for updates 3 times a day, starting right after boot.', { by: 'dut', afterInitialization: true, period: 'PT8H' }],
  ])('%s', (updateChecking, value) => {
    expect(valueOf({ updateChecking }, 'checking')).toEqual(value)
  })

  it('reads "no periodic check" and quotes both sentences', () => {
    expect(one({ updateChecking: 'The device checks for updates at start-up. There is no periodic check.' }, 'checking')).toEqual({
      fact: 'checking',
      value: { by: 'dut', afterInitialization: true },
      quote: 'The device checks for updates at start-up. There is no periodic check.',
      field: 'updateChecking',
    })
  })

  it('treats the user\'s "Check now" as an extra when the device checks by itself', () => {
    expect(
      valueOf(
        {
          updateChecking:
            'The device checks for updates after boot and every 24 hours. The user can also check at any time with "Check now".',
        },
        'checking',
      ),
    ).toEqual({ by: 'dut', afterInitialization: true, period: 'P1D' })
  })

  it.each([
    ['no check after initialization stated', 'The device checks for updates every 24 hours.'],
    ['no period and no denial of one', 'The device checks for updates after boot.'],
    ['a periodic check without an interval', 'The device checks for updates after boot and then periodically.'],
    ['nobody named as the checker', 'Updates are checked after boot and every day.'],
    ['two automatic checkers', 'The device checks for updates after boot. The app checks for updates every day.'],
    ['"every second day" (not every second)', 'The device checks for updates every second day and after boot.'],
    ['an app that checks when opened', 'The app checks for updates whenever the user opens it.'],
    ['two periods', 'The device checks for updates after boot, every 6 hours on battery and every hour on mains power.'],
    ['a mechanism that does not check', 'This mechanism does not check for updates; the user obtains the file.'],
    ['another mechanism does it', 'Checking for updates is done by UpdMech-Network.'],
    ['a user check without denial of an automatic one', 'The user can check for updates in the web UI.'],
  ])('suggests nothing for %s', (_why, updateChecking) => {
    expect(one({ updateChecking }, 'checking')).toBeUndefined()
  })
})

describe('initiation', () => {
  it.each([
    ['Updates are installed automatically.', 'automatic'],
    ['The device installs updates automatically at night.', 'automatic'],
    ['Automatic updates are enabled by default.', 'automatic'],
    ['The device downloads and installs updates without user interaction.', 'automatic'],
    ['Automatic: deployments are downloaded and installed without any interaction.', 'automatic'],
    ['The user starts the update from the web UI.', 'user'],
    ['Updates are user-initiated.', 'user'],
    ['Installation is by manual upload of the image file.', 'user'],
    ['Started by the owner in the app: choose the file and confirm. Installation then proceeds without further interaction.', 'user'],
    ['The companion app pushes updates to the device.', 'associated-service'],
    ['Updates are triggered by the smartphone app.', 'associated-service'],
    ['Updates are not installed automatically; the user starts them in the web UI.', 'user'],
    [
      'Updates are installed automatically by default. If automatic updates are disabled, the user starts the update manually.',
      'automatic',
    ],
  ])('%s -> %s', (initiationAndInteraction, expected) => {
    expect(valueOf({ initiationAndInteraction }, 'initiation')).toBe(expected)
  })

  it.each([
    [
      'both automatic and user-started',
      { initiationAndInteraction: 'Updates are installed automatically. The user starts each update from the web UI.' },
    ],
    [
      'fields that disagree',
      { initiationAndInteraction: 'The user starts the update.', description: 'Updates are installed automatically.' },
    ],
    ['no statement', { initiationAndInteraction: 'One click installs the update.' }],
  ])('suggests nothing for %s', (_why, text) => {
    expect(one(text, 'initiation')).toBeUndefined()
  })
})

describe('delivery, verifiedBy, verifiedBeforeInstall', () => {
  it.each([
    ['Updates are delivered over the network.', 'network'],
    ['Over-the-air updates from the vendor server.', 'network'],
    ['The image is copied from a USB stick.', 'local'],
    ['The user uploads the file in the web UI.', 'local'],
  ])('delivery: %s -> %s', (description, expected) => {
    expect(valueOf({ description }, 'delivery')).toBe(expected)
  })

  it('does not take an upload by a cloud service for a local delivery', () => {
    expect(one({ description: 'The image is uploaded by the cloud to the device over MQTT.' }, 'delivery')).toBeUndefined()
  })

  it('gives no delivery when a field names both ways', () => {
    expect(one({ description: 'OTA updates arrive over the network. Service staff can also use a USB stick.' }, 'delivery')).toBeUndefined()
  })

  it.each([
    'The signature is verified by the device itself.',
    'The bootloader verifies the image signature.',
    'Integrity, checked by the gateway itself.',
  ])('verifiedBy dut: %s', (securityGuarantees) => {
    expect(valueOf({ securityGuarantees }, 'verifiedBy')).toBe('dut')
  })

  it.each(['The image is not verified by the device.', 'The host tool checks the image.'])('no verifiedBy: %s', (securityGuarantees) => {
    expect(one({ securityGuarantees }, 'verifiedBy')).toBeUndefined()
  })

  it.each(['The signature is checked before the image is written to flash.', 'Only a verified image is activated.'])(
    'verifiedBeforeInstall: %s',
    (securityGuarantees) => {
      expect(valueOf({ securityGuarantees }, 'verifiedBeforeInstall')).toBe(true)
    },
  )

  it.each(['The image is not verified before installation.', 'The signature is checked at the next boot.'])(
    'no verifiedBeforeInstall: %s',
    (securityGuarantees) => {
      expect(one({ securityGuarantees }, 'verifiedBeforeInstall')).toBeUndefined()
    },
  )
})

/** A suggestion agrees with a hand-written fact: the same value, or for objects a subset of its members. */
function agrees(s: SuggestedFact, facts: UpdMechFacts): boolean {
  const hand = facts[s.fact] as unknown
  if (hand === undefined) return false
  if (typeof s.value !== 'object') return s.value === hand
  const handObj = hand as Record<string, unknown>
  return Object.entries(s.value).every(([k, v]) => {
    // A protocol is free text: "HTTP file upload to the device web UI" is the protocol HTTP.
    if (s.fact === 'transport' && k === 'protocol') return new RegExp(`^${v as string}\\b`).test(handObj[k] as string)
    return JSON.stringify(v) === JSON.stringify(handObj[k])
  })
}

describe('the reference DUT and the other examples', () => {
  const reference = loadMechanisms('reference-dut')

  it('suggests for UpdMech-Network exactly the hand-written facts it can read', () => {
    const m = reference.find((x) => x.id === 'UpdMech-Network')!
    const suggested = suggest(proseOf(m))
    expect(suggested.map((s) => s.fact)).toEqual([
      'delivery',
      'verifiedBy',
      'integrityProtection',
      'signature',
      'transport',
      'antiRollback',
      'verifiedBeforeInstall',
      'initiation',
      'checking',
    ])
    for (const s of suggested) expect(s.value).toEqual(m.facts[s.fact])
  })

  it('suggests for UpdMech-LocalUpload no check and an HTTP transport', () => {
    const m = reference.find((x) => x.id === 'UpdMech-LocalUpload')!
    const suggested = suggest(proseOf(m))
    expect(suggested.map((s) => s.fact)).toEqual([
      'delivery',
      'verifiedBy',
      'integrityProtection',
      'signature',
      'transport',
      'antiRollback',
      'verifiedBeforeInstall',
      'initiation',
    ])
    expect(suggested.find((s) => s.fact === 'transport')?.value).toEqual({ protocol: 'HTTP' })
    expect(suggested.find((s) => s.fact === 'initiation')?.value).toBe('user')
  })

  it.each(['reference-dut', 'rauc-console', 'swupdate-gateway', 'swupdate-hawkbit'])(
    'never contradicts a hand-written fact (%s)',
    (example) => {
      const mechanisms = loadMechanisms(example)
      expect(mechanisms.length).toBeGreaterThan(0)
      for (const m of mechanisms) {
        const suggested = suggest(proseOf(m))
        expect(suggested.length).toBeGreaterThan(0)
        for (const s of suggested) expect({ id: m.id, ...s, agrees: agrees(s, m.facts) }).toMatchObject({ agrees: true })
      }
    },
  )

  it('the agreement check itself rejects a contradicting suggestion', () => {
    const facts: UpdMechFacts = { signature: { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256' }, transport: { protocol: 'HTTPS' } }
    expect(
      agrees({ fact: 'signature', value: { algorithm: 'ECDSA', keySize: 384, hash: 'SHA-256' }, quote: '', field: 'description' }, facts),
    ).toBe(false)
    expect(agrees({ fact: 'transport', value: { protocol: 'HTTP' }, quote: '', field: 'description' }, facts)).toBe(false)
    expect(agrees({ fact: 'antiRollback', value: true, quote: '', field: 'description' }, facts)).toBe(false)
  })
})

describe('every suggestion made in this file', () => {
  // Runs last (vitest keeps declaration order within a file), over every input fed in above.
  it('is unique per fact, in the stable order, with a quote made of verbatim sentences of its field', () => {
    expect(seen.length).toBeGreaterThan(100)
    const order: SuggestedFact['fact'][] = [
      'delivery',
      'verifiedBy',
      'integrityProtection',
      'signature',
      'transport',
      'antiRollback',
      'verifiedBeforeInstall',
      'initiation',
      'checking',
    ]
    for (const text of seen) {
      const suggested = suggestFacts(text)
      const facts = suggested.map((s) => s.fact)
      expect(facts).toEqual(order.filter((f) => facts.includes(f)))
      for (const s of suggested) {
        const source = text[s.field]
        expect(typeof source).toBe('string')
        const collapsed = collapse(source!)
        const sentences = splitSentences(source!)
        for (const sentence of sentences) expect(collapsed).toContain(sentence)
        // The quote is some of the field's sentences, in order, joined by a space.
        let rest = s.quote
        for (const sentence of sentences) if (rest.startsWith(sentence)) rest = rest.slice(sentence.length).trimStart()
        expect({ quote: s.quote, rest }).toEqual({ quote: s.quote, rest: '' })
        if (!s.quote.includes('. ')) expect(collapsed).toContain(s.quote)
      }
    }
  })

  it('satisfies the IXIT schema for facts', () => {
    const ajv = createAjv()
    const schema = readSchema('ixit')
    ajv.addSchema(schema)
    const validate = ajv.getSchema(`${schema.$id as string}#/$defs/updMechFacts`)!
    let checked = 0
    for (const text of seen) {
      for (const s of suggestFacts(text)) {
        const ok = validate({ [s.fact]: s.value })
        expect({ fact: s.fact, value: s.value, errors: validate.errors ?? null }).toEqual({ fact: s.fact, value: s.value, errors: null })
        expect(ok).toBe(true)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(100)
  })
})
