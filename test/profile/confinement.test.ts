/**
 * The files a DUT profile names stay in its folder, symlinks resolved, unless the profile names
 * another folder in allowFiles: otherwise a profile could send any file of the lab machine to the
 * device as an "image".
 */
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { ts701InProcess } from '../cli/helpers.ts'
import { REFERENCE, tempAssessment } from '../ixit/helpers.ts'

const profile = (attack: string, extra = '') => `name: x
adapter: { kind: none }
observe:
  version: { from: probe, command: { argv: [echo, '1.0'] } }
${extra}images:
  format: raw
  valid: { file: images/valid.bin, version: '1.0' }
  attacks:
    - { name: stolen, description: a file of the lab machine, file: ${JSON.stringify(attack)} }
`

async function lab(dutYaml: string): Promise<{ dir: string; file: string }> {
  const dir = await tempAssessment({ 'images/valid.bin': 'image', 'images/own.bin': 'attack', 'dut.yaml': dutYaml })
  return { dir, file: join(dir, 'dut.yaml') }
}

describe('files named by a DUT profile', () => {
  it('refuses a relative path that climbs out of the folder, at the field, exit 3', async () => {
    const { file } = await lab(profile('../../../../etc/shadow'))
    const r = await ts701InProcess(['lint', REFERENCE, '--dut', file])
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')[0]).toBe(
      `${file}:9:69: error: /images/attacks/0/file: file "../../../../etc/shadow" is outside the profile's folder; ts701 reads only files beside the profile: move it there, or name its folder under allowFiles`,
    )
  })

  it('refuses an absolute path outside the folder, and a symlink inside it that leads out', async () => {
    const elsewhere = await tempAssessment({ 'secret.bin': 'not an image' })
    const absolute = await lab(profile(join(elsewhere, 'secret.bin')))
    expect((await loadDutProfile(absolute.file)).findings).toMatchObject([{ code: 'outside-folder', pointer: '/images/attacks/0/file' }])

    const linked = await lab(profile('images/link.bin'))
    await symlink(join(elsewhere, 'secret.bin'), join(linked.dir, 'images/link.bin'))
    const { profile: loaded, findings } = await loadDutProfile(linked.file)
    expect(loaded).toBeUndefined()
    expect(findings).toMatchObject([
      { code: 'outside-folder', message: expect.stringContaining('(a symbolic link that leads out of it)'), line: 9 },
    ])
  })

  it('takes a file from a folder the profile names in allowFiles, relative or absolute', async () => {
    const elsewhere = await tempAssessment({ 'attack.bin': 'prepared attack' })
    const { file } = await lab(profile(join(elsewhere, 'attack.bin'), `allowFiles: [${JSON.stringify(elsewhere)}]\n`))
    const { profile: loaded, findings } = await loadDutProfile(file)
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(loaded?.images?.attacks[0]?.file).toBe(join(elsewhere, 'attack.bin'))
    expect(loaded).not.toHaveProperty('allowFiles')
  })

  it('accepts absolute paths and symlinks that stay inside the folder', async () => {
    const { dir, file } = await lab('')
    await symlink('own.bin', join(dir, 'images/alias.bin'))
    await writeFile(file, profile(join(dir, 'images/alias.bin')))
    const { profile: loaded, findings } = await loadDutProfile(file)
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(loaded).toBeDefined()
  })

  it('says that an allowFiles folder does not exist', async () => {
    const { file } = await lab(profile('images/own.bin', 'allowFiles: [no-such-folder]\n'))
    const { findings } = await loadDutProfile(file)
    expect(findings).toMatchObject([
      { code: 'missing-file', pointer: '/allowFiles/0', message: '/allowFiles/0: folder "no-such-folder" does not exist' },
    ])
  })
})
