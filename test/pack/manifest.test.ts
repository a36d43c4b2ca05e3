import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { PackInputError } from '../../pack/errors.ts'
import { listFolder, MANIFEST, SIGNATURE } from '../../pack/files.ts'
import { digestOf, formatLine, formatManifest, parseManifest } from '../../pack/manifest.ts'
import { sealRunFolder, writePack } from '../../pack/seal.ts'
import { tempDir } from '../cli/helpers.ts'

const exec = promisify(execFile)
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')

/** A run folder with names that sort differently byte-wise than in a locale, and one file past a stream chunk. */
async function runFolder(): Promise<{ dir: string; contents: Record<string, Buffer> }> {
  const dir = await tempDir('pack')
  const contents: Record<string, Buffer> = {
    'evidence/exchanges.jsonl': Buffer.from('{"id":1}\n{"id":2}\n'),
    'work/attacks/payload-byte.bin': randomBytes(3 * 65536 + 17),
    'a-b.txt': Buffer.from('dash'),
    'a/b.txt': Buffer.from('slash'),
    'Zeta.txt': Buffer.from('upper case sorts first'),
    'results.json': Buffer.from('{}'),
  }
  for (const [path, data] of Object.entries(contents)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), data)
  }
  return { dir, contents }
}

describe('the manifest of a run folder', () => {
  it('lists every file with its SHA-256, sorted byte-wise by path, in sha256sum format', async () => {
    const { dir, contents } = await runFolder()
    const written = await writePack(dir)
    expect(written).toEqual({ files: [{ path: MANIFEST, kind: 'manifest' }], listed: 6 })
    const text = await readFile(join(dir, MANIFEST), 'utf8')
    // '-' (0x2d) < '/' (0x2f) < 'Z' (0x5a) < 'a' (0x61): no locale decides the order.
    const order = ['Zeta.txt', 'a-b.txt', 'a/b.txt', 'evidence/exchanges.jsonl', 'results.json', 'work/attacks/payload-byte.bin']
    expect(text).toBe(order.map((p) => `${sha256(contents[p]!)}  ${p}\n`).join(''))
  })

  it('is accepted by the real sha256sum -c, and sha256sum finds a changed byte', async () => {
    const { dir } = await runFolder()
    await writePack(dir)
    const ok = await exec('sha256sum', ['-c', '--strict', MANIFEST], { cwd: dir })
    expect(ok.stdout).toContain('work/attacks/payload-byte.bin: OK')
    await writeFile(join(dir, 'a/b.txt'), 'slasH')
    await expect(exec('sha256sum', ['-c', MANIFEST], { cwd: dir })).rejects.toMatchObject({
      stdout: expect.stringContaining('a/b.txt: FAILED'),
    })
  })

  it('escapes names with a backslash or a newline the way sha256sum does, and reads them back', async () => {
    const dir = await tempDir('pack-names')
    const odd = ['back\\slash.txt', 'new\nline.txt', 'plain.txt']
    for (const name of odd) await writeFile(join(dir, name), name)
    await writePack(dir)
    const text = await readFile(join(dir, MANIFEST), 'utf8')
    const ours = await exec('sha256sum', odd, { cwd: dir })
    expect(text.split('\n').sort()).toEqual(ours.stdout.split('\n').sort())
    await exec('sha256sum', ['-c', '--strict', MANIFEST], { cwd: dir })
    expect(parseManifest(text).map((e) => e.path)).toEqual(odd)
  })

  it('parses what it formats, and accepts the binary-mode marker sha256sum -b writes', () => {
    const entries = [
      { path: 'evidence/exchanges.jsonl', sha256: 'a'.repeat(64) },
      { path: 'junit.xml', sha256: 'b'.repeat(64) },
    ]
    expect(parseManifest(formatManifest(entries))).toEqual(entries)
    expect(parseManifest(`${'C'.repeat(64)} *junit.xml\n`)).toEqual([{ path: 'junit.xml', sha256: 'c'.repeat(64) }])
    expect(formatLine(entries[0]!)).toBe(`${'a'.repeat(64)}  evidence/exchanges.jsonl\n`)
  })

  it.each([
    ['a line without a hash', 'junit.xml\n', /:1: not a line/],
    ['a short hash', `${'a'.repeat(63)}  junit.xml\n`, /:1: not a line/],
    ['a path out of the folder', `${'a'.repeat(64)}  ../etc/passwd\n`, /:1: "..\/etc\/passwd" is not a plain path/],
    ['an absolute path', `${'a'.repeat(64)}  /etc/passwd\n`, /is not a plain path/],
    ['a name listed twice', `${'a'.repeat(64)}  x\n${'b'.repeat(64)}  x\n`, /:2: "x" is listed twice/],
  ])('refuses %s, naming the line', (_, text, message) => {
    let caught: unknown
    try {
      parseManifest(text)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(PackInputError)
    expect(caught).toMatchObject({ code: 'E_PACK_MANIFEST_SYNTAX', message: expect.stringMatching(message) })
  })
})

describe('the seal', () => {
  it('is the SHA-256 of the manifest lines of the files present when it is taken, and names them', async () => {
    const { dir } = await runFolder()
    const seal = await sealRunFolder(dir)
    await writeFile(join(dir, 'junit.xml'), '<testsuites/>')
    await writePack(dir)
    const lines = (await readFile(join(dir, MANIFEST), 'utf8')).split('\n').filter((l) => !l.endsWith('  junit.xml') && l !== '')
    expect(seal.files).toBe(6)
    expect(seal.paths).not.toContain('junit.xml')
    expect(seal.digest).toBe(sha256(lines.map((l) => `${l}\n`).join('')))
    expect(seal.digest).toBe(digestOf(parseManifest(lines.join('\n'))))
  })

  it('of a folder not made yet seals nothing, and a missing folder is not an error', async () => {
    const seal = await sealRunFolder(join(await tempDir('pack-empty'), 'not-yet'))
    expect(seal).toEqual({ algorithm: 'sha256', files: 0, digest: sha256(''), paths: [] })
  })

  it('leaves out the pack files of an earlier run into the same folder, and the manifest drops their signature', async () => {
    const { dir } = await runFolder()
    await writeFile(join(dir, MANIFEST), 'left over')
    await writeFile(join(dir, SIGNATURE), 'left over')
    const seal = await sealRunFolder(dir)
    expect(seal.paths).not.toContain(MANIFEST)
    await writePack(dir)
    expect((await listFolder(dir)).files).not.toContain(SIGNATURE)
    await expect(readFile(join(dir, SIGNATURE))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('never follows a link out of the folder', async () => {
    const { dir } = await runFolder()
    await symlink('/etc/hostname', join(dir, 'evidence', 'link'))
    const listing = await listFolder(dir)
    expect(listing.others).toEqual(['evidence/link'])
    expect((await sealRunFolder(dir)).paths).not.toContain('evidence/link')
  })
})
