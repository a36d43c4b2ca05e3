import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { CERTIFICATE, MANIFEST, PUBLIC_KEY, SIGNATURE } from '../../pack/files.ts'
import { loadSigner, type Signer } from '../../pack/sign.ts'
import { sealRunFolder, writePack } from '../../pack/seal.ts'
import { packHolds, verifyRunFolder } from '../../pack/verify.ts'
import { tempDir, ts701InProcess } from '../cli/helpers.ts'

const exec = promisify(execFile)

interface KeyFiles {
  key: string
  /** The public key (SPKI PEM), or the certificate when the key has one. */
  pub?: string
  cert?: string
  keyPem: string
}

let keys: Record<'ed25519' | 'ed25519Other' | 'rsa' | 'ec', KeyFiles>

/** A key pair made now, never committed; `openssl req -x509` makes the self-signed certificates. */
async function ed25519(dir: string, name: string): Promise<KeyFiles> {
  const pair = generateKeyPairSync('ed25519')
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const key = join(dir, `${name}.key`)
  const pub = join(dir, `${name}.pub`)
  await writeFile(key, keyPem, { mode: 0o600 })
  await writeFile(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())
  return { key, pub, keyPem }
}

async function withCertificate(dir: string, name: string, newkey: string[]): Promise<KeyFiles> {
  const key = join(dir, `${name}.key`)
  const cert = join(dir, `${name}.crt`)
  await exec('openssl', [
    'req',
    '-x509',
    ...newkey,
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/O=Test Lab/CN=${name}`,
  ])
  return { key, cert, keyPem: await readFile(key, 'utf8') }
}

beforeAll(async () => {
  const dir = await tempDir('pack-keys')
  keys = {
    ed25519: await ed25519(dir, 'lab'),
    ed25519Other: await ed25519(dir, 'other'),
    rsa: await withCertificate(dir, 'rsa-lab', ['-newkey', 'rsa:2048']),
    ec: await withCertificate(dir, 'ec-lab', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
  }
})

/** What `ts701 run` does to its folder: evidence, seal, reports carrying it, then the manifest. */
async function runFolder(signer?: Signer): Promise<string> {
  const dir = await tempDir('pack-run')
  await mkdir(join(dir, 'evidence'))
  await mkdir(join(dir, 'work', 'attacks'), { recursive: true })
  await writeFile(join(dir, 'evidence', 'exchanges.jsonl'), '{"id":"e1","kind":"http"}\n')
  await writeFile(join(dir, 'work', 'attacks', 'payload-byte.bin'), Buffer.alloc(100_000, 7))
  const seal = await sealRunFolder(dir)
  await writeFile(join(dir, 'junit.xml'), '<testsuites/>\n')
  await writeFile(join(dir, 'results.json'), JSON.stringify({ standard: 'en303645-v3.1.3', seal }, null, 2))
  await writePack(dir, signer)
  return dir
}

const verify = (dir: string, ...extra: string[]) => ts701InProcess(['verify', dir, ...extra])

/** Changes one byte in the middle of a file. */
async function flipByte(file: string): Promise<void> {
  const data = await readFile(file)
  const at = Math.floor(data.length / 2)
  data[at] = data[at]! ^ 0x01
  await writeFile(file, data)
}

describe('ts701 verify on an unsigned run folder', () => {
  it('passes an untouched folder, and says the manifest is not signed', async () => {
    const dir = await runFolder()
    const r = await verify(dir)
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')).toEqual([
      'signature: none (the manifest is not signed)',
      'seal: matches the 2 files sealed before the reports were written',
      `${dir}: intact (4 files as listed in the manifest)`,
    ])
  })

  it.each(['evidence/exchanges.jsonl', 'work/attacks/payload-byte.bin', 'junit.xml', 'results.json'])(
    'names %s as altered after one byte of it changed, and exits 1',
    async (path) => {
      const dir = await runFolder()
      await flipByte(join(dir, path))
      const r = await verify(dir)
      expect(r.code).toBe(1)
      expect(r.stdout.split('\n')).toContain(`altered: ${path}`)
      expect(r.stdout.split('\n').filter((l) => /^(altered|missing|extra):/.test(l))).toEqual([`altered: ${path}`])
      expect(r.stdout).toContain(`${dir}: NOT intact (1 altered`)
    },
  )

  it('names a removed file as missing and an added one as extra', async () => {
    const dir = await runFolder()
    await rm(join(dir, 'junit.xml'))
    await writeFile(join(dir, 'evidence', 'notes.txt'), 'added later')
    const r = await verify(dir)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('missing: junit.xml')
    expect(r.stdout).toContain('extra: evidence/notes.txt')
    expect(r.stdout).toContain('NOT intact (1 missing, 1 extra)')
  })

  it('catches a seal edited to match the manifest of changed evidence', async () => {
    const dir = await runFolder()
    // Evidence rewritten and the manifest rewritten with it: the files match the manifest, the seal
    // the reports carry does not.
    await writeFile(join(dir, 'evidence', 'exchanges.jsonl'), '{"id":"e1","kind":"forged"}\n')
    await writePack(dir)
    const check = await verifyRunFolder(dir)
    expect(check.problems).toEqual([])
    expect(check.seal).toEqual({
      status: 'invalid',
      reason: expect.stringMatching(/^the seal in results\.json is [0-9a-f]{64}, but the manifest lines of its 2 files give/),
    })
    expect(packHolds(check)).toBe(false)
    expect((await verify(dir)).code).toBe(1)
  })

  it('refuses a results.json without a seal, or whose seal names a file the manifest does not list', async () => {
    const dir = await runFolder()
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'))
    await writeFile(join(dir, 'results.json'), JSON.stringify({ ...results, seal: undefined }))
    await writePack(dir)
    expect((await verifyRunFolder(dir)).seal).toEqual({ status: 'invalid', reason: 'results.json carries no seal' })
    await writeFile(
      join(dir, 'results.json'),
      JSON.stringify({ ...results, seal: { ...results.seal, files: 3, paths: [...results.seal.paths, 'gone.bin'] } }),
    )
    await writePack(dir)
    expect((await verifyRunFolder(dir)).seal).toEqual({ status: 'invalid', reason: 'sealed files not in the manifest: gone.bin' })
  })

  it('exits 2 with a clear message when there is nothing to check', async () => {
    const none = await verify('/nonexistent/run')
    expect(none).toMatchObject({ code: 2, stderr: 'ts701: /nonexistent/run is not a folder' })
    const empty = await tempDir('pack-empty')
    const noManifest = await verify(empty)
    expect(noManifest.code).toBe(2)
    expect(noManifest.stderr).toBe(
      `ts701: ${empty} has no MANIFEST.sha256: it is not a run folder of ts701 run, or its manifest was removed`,
    )
    await writeFile(join(empty, MANIFEST), 'not a manifest\n')
    expect(await verify(empty)).toMatchObject({ code: 2, stderr: expect.stringContaining('MANIFEST.sha256:1: not a line') })
  })

  it('fails a folder that is not signed when the lab gives its key', async () => {
    const dir = await runFolder()
    const r = await verify(dir, '--pub', keys.ed25519.pub!)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('signature: not checked: the manifest is not signed (no MANIFEST.sha256.sig), but a lab key was given')
  })
})

describe('ts701 verify on a signed run folder', () => {
  it('checks an Ed25519 signature with the key beside the manifest, saying the lab did not give it', async () => {
    const dir = await runFolder(await loadSigner(keys.ed25519.key, undefined, '/nonexistent'))
    expect((await readdir(dir)).sort()).toEqual([MANIFEST, SIGNATURE, PUBLIC_KEY, 'evidence', 'junit.xml', 'results.json', 'work'].sort())
    expect(await readFile(join(dir, PUBLIC_KEY), 'utf8')).toBe(await readFile(keys.ed25519.pub!, 'utf8'))
    const r = await verify(dir)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /^signature: valid, signed by the key beside the manifest, not checked against a lab key \(MANIFEST\.sha256\.pub: Ed25519, public key sha256 [0-9a-f]{64}\)$/m,
    )
  })

  it('checks it against the lab key given with --pub, and fails a wrong one', async () => {
    const dir = await runFolder(await loadSigner(keys.ed25519.key, undefined, '/nonexistent'))
    const right = await verify(dir, '--pub', keys.ed25519.pub!)
    expect(right.code).toBe(0)
    expect(right.stdout).toContain(`signature: valid, checked with the lab's key (${keys.ed25519.pub}: Ed25519, public key sha256 `)
    const wrong = await verify(dir, '--pub', keys.ed25519Other.pub!)
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toContain(`signature: does not hold for the lab's key (${keys.ed25519Other.pub}: Ed25519`)
    expect(wrong.stdout).toContain('NOT intact (signature not confirmed)')
  })

  it('fails a signature once a file and its manifest line were both changed', async () => {
    const dir = await runFolder(await loadSigner(keys.ed25519.key, undefined, '/nonexistent'))
    const signature = await readFile(join(dir, SIGNATURE))
    const publicKey = await readFile(join(dir, PUBLIC_KEY))
    await writeFile(join(dir, 'junit.xml'), '<testsuites tests="0"/>\n')
    await writePack(dir)
    // The forger keeps the old signature and key files; the manifest now matches every file.
    await writeFile(join(dir, SIGNATURE), signature)
    await writeFile(join(dir, PUBLIC_KEY), publicKey)
    const r = await verify(dir)
    expect(r.code).toBe(1)
    expect(r.stdout).not.toMatch(/^(altered|missing|extra):/m)
    expect(r.stdout).toContain('signature: does not hold for the key beside the manifest (MANIFEST.sha256.pub')
  })

  it.each([
    ['RSA', 'rsa', /RSA-2048, O=Test Lab, CN=rsa-lab/],
    ['ECDSA', 'ec', /ECDSA prime256v1, O=Test Lab, CN=ec-lab/],
  ] as const)('checks an %s signature made with a key and its certificate, beside or given with --cert', async (_, which, names) => {
    const lab = keys[which]
    const dir = await runFolder(await loadSigner(lab.key, lab.cert, '/nonexistent'))
    expect(await readFile(join(dir, CERTIFICATE), 'utf8')).toBe(await readFile(lab.cert!, 'utf8'))
    const beside = await verify(dir)
    expect(beside.code).toBe(0)
    expect(beside.stdout).toMatch(names)
    expect(beside.stdout).toContain('not checked against a lab key (MANIFEST.sha256.crt: ')
    const given = await verify(dir, '--cert', lab.cert!)
    expect(given.code).toBe(0)
    expect(given.stdout).toContain(`checked with the lab's key (${lab.cert}: `)
    // The signature is the one openssl makes and checks: SHA-256, detached, base64.
    const sig = join(await tempDir('pack-sig'), 'sig.bin')
    await writeFile(sig, Buffer.from(await readFile(join(dir, SIGNATURE), 'utf8'), 'base64'))
    const pub = join(await tempDir('pack-pub'), 'pub.pem')
    await exec('openssl', ['x509', '-in', lab.cert!, '-pubkey', '-noout', '-out', pub])
    await exec('openssl', ['dgst', '-sha256', '-verify', pub, '-signature', sig, join(dir, MANIFEST)])

    const manifest = await readFile(join(dir, MANIFEST), 'utf8')
    await writeFile(
      join(dir, MANIFEST),
      manifest.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
    )
    const edited = await verify(dir, '--cert', lab.cert!)
    expect(edited.code).toBe(1)
    expect(edited.stdout).toContain("signature: does not hold for the lab's key")
    expect(edited.stdout).toMatch(/^altered: /m)
  })

  it('leaves the private key out of every file of the folder', async () => {
    for (const lab of [keys.ed25519, keys.rsa]) {
      const dir = await runFolder(await loadSigner(lab.key, lab.cert, '/nonexistent'))
      const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())
      const body = lab.keyPem.split('\n').slice(1, 3).join('\n')
      for (const f of files) expect(await readFile(join(f.parentPath, f.name), 'utf8')).not.toContain(body)
    }
  })

  it('says so when a signature lies there but no key does', async () => {
    const dir = await runFolder(await loadSigner(keys.ed25519.key, undefined, '/nonexistent'))
    await rm(join(dir, PUBLIC_KEY))
    const r = await verify(dir)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('signature: not checked: no key to check it with')
  })

  it('exits 2 when the lab key given does not read, or both --pub and --cert are given', async () => {
    const dir = await runFolder(await loadSigner(keys.ed25519.key, undefined, '/nonexistent'))
    const missing = await verify(dir, '--pub', '/nonexistent/lab.pub')
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^ts701: --pub \/nonexistent\/lab\.pub is not a PEM public key that can be read/),
    })
    expect(await verify(dir, '--cert', keys.ed25519.pub!)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('is not a PEM X.509 certificate'),
    })
    expect(await verify(dir, '--pub', keys.ed25519.pub!, '--cert', keys.rsa.cert!)).toMatchObject({ code: 2 })
  })
})

describe('the signing key of ts701 run', () => {
  it.each([
    [
      'a file that does not exist',
      async () => loadSigner('/nonexistent/lab.key', undefined, '/tmp/out'),
      /the signing key \/nonexistent\/lab\.key cannot be read/,
    ],
    ['a public key', async () => loadSigner(keys.ed25519.pub!, undefined, '/tmp/out'), /is not an unencrypted PEM private key/],
    ['a certificate of another key', async () => loadSigner(keys.rsa.key, keys.ec.cert!, '/tmp/out'), /is not the certificate of the key/],
    ['a certificate file that is a key', async () => loadSigner(keys.rsa.key, keys.rsa.key, '/tmp/out'), /is not a PEM X\.509 certificate/],
    [
      'a key inside the run folder',
      async () => loadSigner(keys.ed25519.key, undefined, join(keys.ed25519.key, '..')),
      /lies inside the run folder/,
    ],
  ])('refuses %s with E_PACK_SIGN_KEY', async (_, load, message) => {
    await expect(load()).rejects.toMatchObject({ name: 'SignKeyError', code: 'E_PACK_SIGN_KEY', message: expect.stringMatching(message) })
  })

  it('refuses a key type it cannot sign with', async () => {
    const dir = await tempDir('pack-x25519')
    const key = join(dir, 'x25519.key')
    await writeFile(key, generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))
    await expect(loadSigner(key, undefined, '/tmp/out')).rejects.toMatchObject({
      code: 'E_PACK_SIGN_KEY',
      message: expect.stringContaining('is a x25519 key'),
    })
  })
})
