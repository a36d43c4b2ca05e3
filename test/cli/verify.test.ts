import { execFile } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { RunResults } from '../../core/verdict.ts'
import { EXAMPLE } from '../helpers.ts'
import { tempDir, ts701InProcess } from './helpers.ts'

const exec = promisify(execFile)

/** The PEM label of a private key, built here so no key-shaped text sits in the repository. */
const PRIVATE_LABEL = ['PRIVATE', 'KEY'].join(' ')

/** An Ed25519 key made for this test only, outside the run folder. */
async function labKey(): Promise<{ key: string; pub: string; keyPem: string }> {
  const dir = await tempDir('lab-key')
  const pair = generateKeyPairSync('ed25519')
  const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  await writeFile(join(dir, 'lab.key'), keyPem, { mode: 0o600 })
  await writeFile(join(dir, 'lab.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }))
  return { key: join(dir, 'lab.key'), pub: join(dir, 'lab.pub'), keyPem }
}

describe('the evidence pack of ts701 run, checked by sha256sum and ts701 verify', () => {
  it('seals, lists and signs the run folder; verify passes it and names the file changed afterwards', { timeout: 180_000 }, async () => {
    const lab = await labKey()
    const out = join(await tempDir('pack-e2e'), 'run')
    const run = await ts701InProcess(['run', '--conceptual-only', '--assessment', EXAMPLE, '--out', out, '--sign-key', lab.key])
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.trim().split('\n')
    // Which reports a run writes is the reporters' business; the pack lists whatever they wrote.
    const all = (await readdir(out)).sort()
    const reports = all.filter((f) => !f.startsWith('MANIFEST.'))
    expect(all).toEqual(
      expect.arrayContaining(['MANIFEST.sha256', 'MANIFEST.sha256.pub', 'MANIFEST.sha256.sig', 'junit.xml', 'results.json']),
    )
    expect(all).toHaveLength(reports.length + 3)
    expect(lines.at(-1)).toBe(`report: ${join(out, 'report.html')}`)
    expect(lines.at(-2)).toMatch(new RegExp(`^reports written to ${out}/ \\(junit\\.xml, [^M]*results\\.json\\)$`))
    expect(lines.at(-3)).toMatch(
      new RegExp(`^MANIFEST\\.sha256 lists ${reports.length} files, signed with the Ed25519 key \\(public key sha256 [0-9a-f]{64}\\)$`),
    )

    // A conceptual run has no device evidence when the seal is taken: it seals its run journal alone.
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults
    expect(results.seal).toEqual({
      algorithm: 'sha256',
      files: 1,
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      paths: ['journal.jsonl'],
    })
    expect(JSON.stringify(results)).not.toContain(PRIVATE_LABEL)
    expect(run.stdout + run.stderr).not.toContain(PRIVATE_LABEL)

    const sums = await exec('sha256sum', ['-c', '--strict', 'MANIFEST.sha256'], { cwd: out })
    expect(sums.stdout.trim().split('\n').sort()).toEqual(reports.map((f) => `${f}: OK`))

    const intact = await ts701InProcess(['verify', out, '--pub', lab.pub])
    expect(intact.code, intact.stdout).toBe(0)
    expect(intact.stdout).toContain("signature: valid, checked with the lab's key")
    expect(intact.stdout).toContain(`${out}: intact (${reports.length} files as listed in the manifest)`)

    const file = join(out, 'results.json')
    const data = await readFile(file)
    data[10] = data[10]! ^ 0x20
    await writeFile(file, data)
    const altered = await ts701InProcess(['verify', out, '--pub', lab.pub])
    expect(altered.code).toBe(1)
    expect(altered.stdout.split('\n')[0]).toBe('altered: results.json')
    await expect(exec('sha256sum', ['-c', 'MANIFEST.sha256'], { cwd: out })).rejects.toMatchObject({
      stdout: expect.stringContaining('results.json: FAILED'),
    })
  })

  it('refuses a signing key it cannot read before the run starts, with exit code 3', async () => {
    const out = join(await tempDir('pack-badkey'), 'run')
    const bad = join(await tempDir('pack-badkey-file'), 'lab.key')
    // PEM armour around bytes that are no key at all.
    await writeFile(
      bad,
      `-----BEGIN ${PRIVATE_LABEL}-----\n${Buffer.from('not a key').toString('base64')}\n-----END ${PRIVATE_LABEL}-----\n`,
    )
    const r = await ts701InProcess(['run', '--conceptual-only', '--assessment', EXAMPLE, '--out', out, '--sign-key', bad])
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(new RegExp(`^ts701: the signing key ${bad} is not an unencrypted PEM private key \\(`))
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' })
    const certOnly = await ts701InProcess(['run', '--conceptual-only', '--assessment', EXAMPLE, '--out', out, '--sign-cert', bad])
    expect(certOnly).toMatchObject({ code: 3, stderr: 'ts701: --sign-cert names the certificate of --sign-key; give the key too' })
  })
})
